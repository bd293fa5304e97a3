package io.tandem.configserver.store;

import static io.tandem.configserver.store.StoreWrites.paired;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.common.config.Applications;
import io.tandem.common.grpc.MessageLimits;
import io.tandem.protocol.log.LogCapture;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import io.tandem.configserver.settings.ConfigServerSettings;
import io.tandem.configserver.EarlierJournal;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory written before today's limits and rules holds objects they would refuse: the
 * start names each one, the server runs, and writes that shrink or remove what is wrong repair
 * them one step at a time while nothing may grow.
 */
class StoredObjectsBeyondTheLimitsTest {
  private static final String FIVE_MEGABYTES = "x".repeat(5_000_000);
  private static final String OBJECT_LIMIT = "more than the maximum of " + MessageLimits.MAX_OBJECT_BYTES
      + " bytes an object may have";

  @TempDir
  Path dir;

  private ConfigStore store;
  private LogCapture log;

  @BeforeEach
  void seed() throws Exception {
    EarlierJournal.write(dir.resolve("data"), List.of(
        Applications.of("S_A", ApplicationType.STAT_SERVER).port(2040)
            .option("statserver", "big-1", FIVE_MEGABYTES).option("statserver", "big-2", FIVE_MEGABYTES).build(),
        paired("B", ""), paired("A", "B"), paired("R", "A"), paired("Lone", "")));
    log = new LogCapture("io.tandem.configserver.store");
  }

  @AfterEach
  void stop() throws Exception {
    log.close();
    if (store != null) {
      store.stop();
    }
  }

  private ConfigStore start() throws Exception {
    return start(ConfigServerSettings.DEFAULT_CHECKPOINT_AFTER);
  }

  private ConfigStore start(long checkpointAfter) throws Exception {
    store = StoreWrites.on(new ConfigServerSettings(dir.resolve("data"), null, false, "confserv", false,
        checkpointAfter));
    store.start();
    return store;
  }

  private ConfigStore restart() throws Exception {
    store.stop();
    store = null;
    return start();
  }

  private ConfigObject application(String name) {
    return store.get(ObjectType.APPLICATION, name).orElseThrow();
  }

  private void refused(ThrowingCallable write, String... parts) {
    StoreWrites.refused(store, write, parts);
  }

  @Test
  void theStartNamesEveryStoredObjectBeyondTheLimitsOrRulesAndTheServerRuns() throws Exception {
    start();
    assertThat(store.head()).as("every stored object is served").isEqualTo(5);
    assertThat(store.nonconformingObjects()).isEqualTo(3);
    List<String> alarms = log.withId("21-20023");
    assertThat(alarms).as("one alarm per object: %s", log.lines()).hasSize(3);
    assertThat(alarms).filteredOn(line -> line.contains("object=Application 'S_A',")).singleElement().asString()
        .contains("application.options[statserver][big-1]: the value is 5000000 bytes long, more than the maximum of "
            + ObjectValidator.MAX_OPTION_VALUE_BYTES + " bytes", "[big-2]", OBJECT_LIMIT);
    assertThat(alarms).filteredOn(line -> line.contains("object=Application 'A',")).singleElement().asString()
        .contains("Application 'A' is already the backup of 'R', so it cannot also have 'B' as its backup");
    assertThat(alarms).filteredOn(line -> line.contains("object=Application 'R',")).singleElement().asString()
        .contains("Application 'A' already has 'B' as its backup");
  }

  @Test
  void objectsACheckpointRestoresAreNamedAsThoseOfTheJournal() throws Exception {
    start(1).expireHistory("test: the journal now holds more than a checkpoint would");
    store.stop();
    store = null;
    log.close();
    log = new LogCapture("io.tandem.configserver.store");

    start();
    assertThat(log.withId("21-20021")).as("loaded from the checkpoint: %s", log.lines()).hasSize(1);
    assertThat(log.withId("21-20023")).hasSize(3);
    assertThat(store.nonconformingObjects()).isEqualTo(3);
  }

  @Test
  void anOversizeApplicationIsRepairedOptionByOptionAndCannotGrow() throws Exception {
    start();
    ConfigStore.Written first = store.setOption("S_A", "statserver", "big-1", "", true);
    assertThat(first.object().getSerializedSize()).as("still over the limit, and accepted")
        .isGreaterThan(MessageLimits.MAX_OBJECT_BYTES);
    assertThat(first.object().getApplication().getOptionsOrThrow("statserver").getValuesMap()).containsOnlyKeys("big-2");

    refused(() -> store.setOption("S_A", "statserver", "small", "1", false), "option statserver/small",
        "Application 'S_A'", OBJECT_LIMIT);
    ConfigObject grown = first.object().toBuilder().setApplication(first.object().getApplication().toBuilder()
        .setHost("a-longer-host-name-than-before")).build();
    refused(() -> store.update(grown, first.object().getVersion()), "Application 'S_A'", OBJECT_LIMIT);
    refused(() -> store.create(Applications.of("S_C", ApplicationType.STAT_SERVER)
        .option("statserver", "big", FIVE_MEGABYTES).build()), "object.application.options[statserver][big]");

    assertThat(log.withId("21-20024")).isEmpty();
    store.setOption("S_A", "statserver", "big-2", "", true);
    assertThat(log.withId("21-20024")).singleElement().asString().contains("object=Application 'S_A',", "by=a write");
    assertThat(store.nonconformingObjects()).isEqualTo(2);
    ConfigObject repaired = store.setOption("S_A", "statserver", "small", "1", false).object();
    assertThat(repaired.getApplication().getOptionsOrThrow("statserver").getValuesMap()).containsOnlyKeys("small");

    log.close();
    log = new LogCapture("io.tandem.configserver.store");
    assertThat(restart().get(ObjectType.APPLICATION, "S_A")).as("after a restart from the journal").contains(repaired);
    assertThat(log.withId("21-20023")).as("repaired, no longer named").noneMatch(line -> line.contains("'S_A'"));
  }

  @Test
  void anOptionSetOnAMemberOfAnOldBackupChainIsAcceptedAndTheLinkCannotGoElsewhere() throws Exception {
    start();
    store.setOption("A", "statserver", "config-reload-delay-if-primary", "true", false);
    store.setOption("R", "statserver", "config-reload-delay-if-primary", "true", false);
    assertThat(application("A").getApplication().getBackup()).isEqualTo("B");

    refused(() -> store.update(paired("R", "B"), application("R").getVersion()), "object.application.backup:"
        + " Application 'B' is already the backup of 'A'", "an application is in at most one pair");
    refused(() -> store.update(paired("Lone", "A"), application("Lone").getVersion()), "object.application.backup:"
        + " Application 'A'");

    // Undoing the chain is a repair, of both.
    store.update(paired("R", ""), application("R").getVersion());
    assertThat(log.withId("21-20024")).hasSize(2);
    assertThat(store.nonconformingObjects()).as("S_A is left").isEqualTo(1);
    store.setOption("A", "statserver", "config-reload-delay-if-primary", "false", false);
  }
}
