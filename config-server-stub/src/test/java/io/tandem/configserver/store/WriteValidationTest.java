package io.tandem.configserver.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.common.config.Applications;
import io.tandem.common.grpc.MessageLimits;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import io.tandem.configserver.ConfigServerSettings;
import io.tandem.configserver.journal.Disk;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way an object gets into the store — create, update, apply, set-option, the bootstrap
 * file — is held to the same rules and limits, and a refused write leaves nothing behind, also
 * after a restart from the journal.
 */
class WriteValidationTest {
  private static final String TOO_LONG = "x".repeat(ObjectValidator.MAX_OPTION_VALUE_BYTES + 1);

  @TempDir
  Path dir;

  private ConfigStore store;

  @AfterEach
  void stop() throws Exception {
    if (store != null) {
      store.stop();
    }
  }

  private ConfigStore start(Path bootstrap) throws Exception {
    store = new ConfigStore(new ConfigServerSettings(dir.resolve("data"), bootstrap, false, "confserv", false),
        Clock.systemUTC(), Disk.LOCAL);
    store.start();
    return store;
  }

  private ConfigStore restart() throws Exception {
    store.stop();
    store = null;
    return start(null);
  }

  private static ConfigObject statServer(String name, String key, String value) {
    return Applications.of(name, ApplicationType.STAT_SERVER).port(2040).option("statserver", key, value).build();
  }

  /** {@code write} is refused as invalid with a message holding every one of {@code parts}, and writes nothing. */
  private void refused(ThrowingCallable write, String... parts) {
    long head = store.head();
    assertThatThrownBy(write).isInstanceOfSatisfying(WriteRefusedException.class, e -> {
      assertThat(e.reason()).isEqualTo(WriteRefusedException.Reason.INVALID);
      assertThat(e.getMessage()).contains(parts);
    });
    assertThat(store.head()).as("nothing written").isEqualTo(head);
  }

  @Test
  void anOptionValueOverItsLimitIsRefusedOnEveryWritePathNamingTheKeyAndTheLimit() throws Exception {
    String limit = "more than the maximum of " + ObjectValidator.MAX_OPTION_VALUE_BYTES + " bytes an option value may have";
    start(null);
    refused(() -> store.create(statServer("S_A", "big", TOO_LONG)), "object.application.options[statserver][big]", limit);
    ConfigObject stored = store.create(statServer("S_A", "small", "1")).object();
    refused(() -> store.update(statServer("S_A", "big", TOO_LONG), stored.getVersion()),
        "object.application.options[statserver][big]", limit);
    refused(() -> store.apply(List.of(statServer("S_B", "small", "1"), statServer("S_A", "big", TOO_LONG))),
        "objects[1].application.options[statserver][big]", limit);
    refused(() -> store.setOption("S_A", "statserver", "big", TOO_LONG, false), "option statserver/big", limit);

    assertThat(restart().get(ObjectType.APPLICATION, "S_A")).as("after a restart from the journal").contains(stored);
  }

  @Test
  void setOptionCannotGrowAnApplicationPastTheObjectLimit() throws Exception {
    start(null);
    // Values at their limit, as many as fit in one object.
    String value = "v".repeat(ObjectValidator.MAX_OPTION_VALUE_BYTES);
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < MessageLimits.MAX_OBJECT_BYTES / value.length() - 1; i++) {
      options.put("key-" + i, value);
    }
    ConfigObject full = store.create(Applications.of("S_A", ApplicationType.STAT_SERVER).options("statserver", options)
        .build()).object();
    assertThat(full.getSerializedSize()).isLessThan(MessageLimits.MAX_OBJECT_BYTES);

    refused(() -> store.setOption("S_A", "statserver", "one-more", value, false), "option statserver/one-more",
        "Application 'S_A'", "more than the maximum of " + MessageLimits.MAX_OBJECT_BYTES + " bytes an object may have");
    assertThat(restart().get(ObjectType.APPLICATION, "S_A")).as("after a restart from the journal").contains(full);
  }

  @Test
  void aBootstrapFileWithAnOptionValueOverItsLimitStopsTheStartNamingTheKey() throws Exception {
    Path bootstrap = dir.resolve("bootstrap.yaml");
    Files.writeString(bootstrap, "applications:\n  - name: S_A\n    type: STAT_SERVER\n    options:\n"
        + "      statserver: {big: \"" + TOO_LONG + "\"}\n");
    assertThatThrownBy(() -> start(bootstrap)).isInstanceOfSatisfying(WriteRefusedException.class, e -> assertThat(
        e.getMessage()).contains("objects[0].application.options[statserver][big]",
            "more than the maximum of " + ObjectValidator.MAX_OPTION_VALUE_BYTES + " bytes"));
    store.stop();
    store = null;
    assertThat(start(null).head()).as("nothing of the bootstrap file was kept").isZero();
  }
}
