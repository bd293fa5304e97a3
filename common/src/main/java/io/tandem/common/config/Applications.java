package io.tandem.common.config;

import io.tandem.config.v1.Application;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.OptionSection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Application objects as a stack's configuration needs them: {@code
 * Applications.of("StatServer_A", STAT_SERVER).port(2040).backup("StatServer_B").option("statserver",
 * "config-reload-delay-if-primary", "true").build()}.
 */
public final class Applications {
  private final String name;
  private final Application.Builder app;
  private final Map<String, Map<String, String>> options = new LinkedHashMap<>();

  private Applications(String name, ApplicationType type) {
    this.name = name;
    this.app = Application.newBuilder().setAppType(type).setHost("localhost");
  }

  /** An Application on {@code localhost}, no port, no backup, no options. */
  public static Applications of(String name, ApplicationType type) {
    return new Applications(name, type);
  }

  public Applications host(String host) {
    app.setHost(host);
    return this;
  }

  public Applications port(int port) {
    app.setClientPort(port);
    return this;
  }

  public Applications backup(String backup) {
    app.setBackup(backup);
    return this;
  }

  public Applications option(String section, String key, String value) {
    options.computeIfAbsent(section, s -> new LinkedHashMap<>()).put(key, value);
    return this;
  }

  /** Every option of {@code values} in {@code section}. */
  public Applications options(String section, Map<String, String> values) {
    values.forEach((key, value) -> option(section, key, value));
    return this;
  }

  public ConfigObject build() {
    Application.Builder built = app.clone();
    options.forEach((section, values) ->
        built.putOptions(section, OptionSection.newBuilder().putAllValues(values).build()));
    return ConfigObject.newBuilder().setType(ObjectType.APPLICATION).setName(name).setApplication(built).build();
  }
}
