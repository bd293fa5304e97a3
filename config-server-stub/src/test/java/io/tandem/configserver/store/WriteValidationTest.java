package io.tandem.configserver.store;

import static io.tandem.configserver.store.StoreWrites.paired;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.common.config.Applications;
import io.tandem.protocol.pairs.RedundantPairs;
import io.tandem.common.grpc.MessageLimits;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import io.tandem.configserver.settings.ConfigServerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    store = StoreWrites.on(new ConfigServerSettings(dir.resolve("data"), bootstrap, false, "confserv", false));
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

  private void refused(ThrowingCallable write, String... parts) {
    StoreWrites.refused(store, write, parts);
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

  /** Stored, a blank peer host kept the other member from reading its pair and options at all. */
  @Test
  void anApplicationsHostMustBeAHostName() throws Exception {
    start(null);
    refused(() -> store.create(Applications.of("S_A", ApplicationType.STAT_SERVER).host(" ").port(2040).build()),
        "object.application.host", "must not be empty");
    refused(() -> store.create(Applications.of("S_A", ApplicationType.STAT_SERVER).host("evil\nStd 02-10096").port(2040)
        .build()), "object.application.host", "contains the control character U+000A at position 4");
    refused(() -> store.create(Applications.of("S_A", ApplicationType.STAT_SERVER).host("stat a.example").port(2040)
        .build()), "object.application.host", "contains a space");
    assertThat(store.create(Applications.of("S_A", ApplicationType.STAT_SERVER).host("stat-a.example").port(2040)
        .build()).object().getApplication().getHost()).isEqualTo("stat-a.example");
  }

  @Test
  void anApplicationCannotTakeTheNameOfACertificateThatIsNotAnApplications() throws Exception {
    start(null);
    for (String reserved : List.of("etcd", "operator", "client", "monitor")) {
      refused(() -> store.create(statServer(reserved, "small", "1")), "object.name", "'" + reserved + "' is reserved");
      refused(() -> store.apply(List.of(statServer("S_A", "small", "1"), statServer(reserved, "small", "1"))),
          "objects[1].name", "is reserved");
    }
    assertThat(store.get(ObjectType.APPLICATION, "S_A")).as("nothing of a refused request is stored").isEmpty();
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

  /** The pairs the Management Layer and the Stat Servers make of what the store holds. */
  private List<RedundantPairs.Pair> pairs() {
    Map<String, String> backupOf = new LinkedHashMap<>();
    store.list(Set.of(ObjectType.APPLICATION)).objects()
        .forEach(app -> backupOf.put(app.getName(), app.getApplication().getBackup()));
    return RedundantPairs.of(backupOf).pairs();
  }

  @Test
  void noWriteTakesAnApplicationOutOfItsPair() throws Exception {
    start(null);
    store.apply(List.of(paired("S_A", "S_B"), paired("S_B", ""), paired("Lone", "")));
    String rule = "an application is in at most one pair";

    // A new application naming a member as its backup (its name sorts first: it would win the member).
    refused(() -> store.create(paired("R", "S_A")), "object.application.backup: Application 'S_A' already has 'S_B'"
        + " as its backup", rule);
    refused(() -> store.apply(List.of(paired("R", "S_A"))), "objects[0].application.backup: Application 'S_A'", rule);
    refused(() -> store.create(paired("R", "S_B")), "object.application.backup: Application 'S_B' is already the"
        + " backup of 'S_A'", rule);
    // A member re-pointed at another application, or another one pointed at a member.
    long version = store.get(ObjectType.APPLICATION, "S_B").orElseThrow().getVersion();
    refused(() -> store.update(paired("S_B", "Lone"), version), "object.application.backup: Application 'S_B' is"
        + " already the backup of 'S_A'", rule);
    long lone = store.get(ObjectType.APPLICATION, "Lone").orElseThrow().getVersion();
    refused(() -> store.update(paired("Lone", "S_A"), lone), "object.application.backup: Application 'S_A'", rule);
    assertThat(pairs()).containsExactly(new RedundantPairs.Pair("S_A", "S_B"));

    // Moving a pair in one request is not taking a member from it.
    store.apply(List.of(paired("S_A", ""), paired("Lone", "S_B")));
    assertThat(pairs()).containsExactly(new RedundantPairs.Pair("Lone", "S_B"));
    // Naming each other is one pair.
    store.update(paired("S_B", "Lone"), store.get(ObjectType.APPLICATION, "S_B").orElseThrow().getVersion());
    assertThat(pairs()).containsExactly(new RedundantPairs.Pair("Lone", "S_B"));
  }

  @Test
  void aBootstrapFileWithAChainOfBackupsStopsTheStart() throws Exception {
    Path bootstrap = dir.resolve("bootstrap.yaml");
    Files.writeString(bootstrap, """
        applications:
          - {name: R, type: STAT_SERVER, backup: S_A}
          - {name: S_A, type: STAT_SERVER, backup: S_B}
          - {name: S_B, type: STAT_SERVER}
        """);
    assertThatThrownBy(() -> start(bootstrap)).isInstanceOfSatisfying(WriteRefusedException.class, e -> assertThat(
        e.getMessage()).contains("objects[0].application.backup: Application 'S_A' already has 'S_B' as its backup"));
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
