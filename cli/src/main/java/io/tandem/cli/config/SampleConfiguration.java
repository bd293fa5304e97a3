package io.tandem.cli.config;

import io.tandem.common.config.ConfigYaml;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The sample contact center {@code tandem up} bootstraps the Config Server with
 * ({@code cli/src/main/resources/tandem/sample-contact-center.yaml}), with each Application's
 * port set to where {@code tandem up} starts it.
 */
public final class SampleConfiguration {
  static final String RESOURCE = "/tandem/sample-contact-center.yaml";

  private SampleConfiguration() {}

  /** The sample's objects. */
  public static List<ConfigObject> objects() throws IOException {
    try (InputStream in = SampleConfiguration.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the tandem jar");
      }
      try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
        return ConfigYaml.read(reader, RESOURCE);
      }
    }
  }

  /** The sample as YAML, with {@code ports} (application name to client port) applied. */
  public static String render(Map<String, Integer> ports) throws IOException {
    List<ConfigObject> adjusted = objects().stream().map(o -> {
      Integer port = o.getType() == ObjectType.APPLICATION ? ports.get(o.getName()) : null;
      return port == null ? o : o.toBuilder().setApplication(o.getApplication().toBuilder().setClientPort(port)).build();
    }).toList();
    return "# The sample contact center, written by `tandem up` (source: cli/src/main/resources" + RESOURCE + ").\n"
        + ConfigYaml.write(adjusted);
  }
}
