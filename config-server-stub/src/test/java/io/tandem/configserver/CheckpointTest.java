package io.tandem.configserver;

import static io.tandem.configserver.Objects.agent;
import static io.tandem.configserver.Objects.group;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.config.v1.Application;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.CreateObjectRequest;
import io.tandem.config.v1.DeleteObjectRequest;
import io.tandem.config.v1.ExpireHistoryRequest;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.OptionSection;
import io.tandem.config.v1.UpdateObjectRequest;
import io.tandem.config.v1.WatchRequest;
import io.tandem.configserver.settings.ConfigServerSettings;
import io.tandem.protocol.log.LogCapture;
import io.tandem.configserver.journal.Checkpoint;
import io.tandem.configserver.journal.Disk;
import io.tandem.configserver.journal.Journal;
import io.tandem.configserver.store.ConfigStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal is replaced by a checkpoint once it holds more records than there are objects. */
class CheckpointTest {
  @TempDir
  Path dir;

  private Path data() {
    return dir.resolve("data");
  }

  private ConfigServerFixture start(long checkpointAfter) throws Exception {
    return ConfigServerFixture.start(new ConfigServerSettings(data(), null, false, "confserv", false, checkpointAfter));
  }

  /** What a restart must give back exactly. */
  private record State(List<ConfigObject> objects, long head, long floor, List<ChangeEvent> history) {
    static State of(ConfigServerFixture server) {
      ConfigStore store = server.service.get(ConfigStore.class);
      ConfigStore.Listing listing = store.list(Set.of());
      return new State(listing.objects(), listing.eventId(), store.history().floor(), store.history().events());
    }
  }

  /**
   * The server's own Application (a history log of 4 records), 10 agents, a group (the highest
   * dbid) created and deleted, 10 updates of an agent: 23 changes, 11 objects. With a threshold
   * of 5 or less, a checkpoint comes at event 16 (16 records > 11 objects + 4 history records).
   */
  private static void write(ConfigServerFixture server) {
    server.blocking.createObject(CreateObjectRequest.newBuilder().setObject(ConfigObject.newBuilder()
        .setType(ObjectType.APPLICATION).setName("confserv").setApplication(Application.newBuilder()
            .setAppType(ApplicationType.CONFIG_SERVER)
            .putOptions("history-log", OptionSection.newBuilder().putValues("max-records", "4").build())))
        .build());
    for (int i = 1; i <= 10; i++) {
      server.blocking.createObject(CreateObjectRequest.newBuilder().setObject(agent("a" + i)).build());
    }
    server.blocking.createObject(CreateObjectRequest.newBuilder().setObject(group("g", "a1", "a2")).build());
    server.blocking.deleteObject(DeleteObjectRequest.newBuilder().setType(ObjectType.AGENT_GROUP).setName("g").build());
    update(server, "a1", 10);
  }

  /** One update of agent {@code name} from {@code version}, its first name {@code "v" + label}. */
  private static void update(ConfigServerFixture server, String name, long version, long label) {
    ConfigObject changed = agent(name).toBuilder().setAgent(agent(name).getAgent().toBuilder()
        .setFirstName("v" + label)).build();
    server.blocking.updateObject(UpdateObjectRequest.newBuilder().setObject(changed).setExpectedVersion(version).build());
  }

  /** Updates a freshly created agent {@code times} times. */
  private static void update(ConfigServerFixture server, String name, int times) {
    for (int version = 1; version <= times; version++) {
      update(server, name, version, version);
    }
  }

  /** Runs {@link #write} on a server with this threshold, stops it, and returns what it held. */
  private State writeThenStop(long checkpointAfter) throws Exception {
    try (ConfigServerFixture server = start(checkpointAfter)) {
      write(server);
      return State.of(server);
    }
  }

  private long journalBytes() throws Exception {
    return Files.size(data().resolve("journal.log"));
  }

  @Test
  void aRestartFromACheckpointGivesBackObjectsHistoryAndEventIds() throws Exception {
    State before = writeThenStop(5);
    assertThat(Files.exists(data().resolve("checkpoint.bin"))).isTrue();
    assertThat(journalBytes()).as("the journal holds only what came after the last checkpoint").isLessThan(23 * 40);
    try (ConfigServerFixture server = start(5)) {
      assertThat(State.of(server)).isEqualTo(before);

      WatchRecorder resumed = new WatchRecorder();
      server.async.watch(WatchRequest.newBuilder().setAfterEventId(before.head() - 3).setClientName("test").build(), resumed);
      await().atMost(Duration.ofSeconds(5)).until(() -> resumed.events.size() == 3);
      assertThat(resumed.events).isEqualTo(before.history().subList(before.history().size() - 3, before.history().size()));

      var created = server.blocking.createObject(CreateObjectRequest.newBuilder().setObject(agent("a11")).build());
      assertThat(created.getEventId()).as("event ids continue").isEqualTo(before.head() + 1);
      assertThat(created.getObject().getDbid()).as("the deleted group's dbid 12 is not reused").isEqualTo(13);
    }
  }

  @Test
  void changesWrittenWhileACheckpointIsWrittenAreKept() throws Exception {
    State before;
    try (ConfigServerFixture server = start(1)) {
      write(server);
      ExecutorService writers = Executors.newFixedThreadPool(2);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (String name : List.of("a3", "a4")) {
          done.add(writers.submit(() -> update(server, name, 300)));
        }
        for (Future<?> writer : done) {
          writer.get(60, TimeUnit.SECONDS);
        }
      } finally {
        writers.shutdownNow();
      }
      before = State.of(server);
    }
    assertThat(Checkpoint.read(data(), Disk.LOCAL).orElseThrow().getHeadEventId()).isPositive();
    try (ConfigServerFixture server = start(1)) {
      assertThat(State.of(server)).isEqualTo(before);
      assertThat(before.objects()).filteredOn(o -> o.getName().equals("a3") || o.getName().equals("a4"))
          .extracting(ConfigObject::getVersion).containsOnly(301L);
    }
  }

  @Test
  void anEmptiedHistoryStaysEmptiedAcrossACheckpoint() throws Exception {
    long reset;
    try (ConfigServerFixture server = start(1)) {
      write(server);
      reset = server.blocking.expireHistory(ExpireHistoryRequest.getDefaultInstance()).getHeadEventId();
      // Updates only: at event 32 the journal outgrows the objects and history, a checkpoint after the reset.
      update(server, "a2", 15);
    }
    assertThat(Checkpoint.read(data(), Disk.LOCAL).orElseThrow().getHistoryLastResetEventId()).isEqualTo(reset);
    try (ConfigServerFixture server = start(1)) {
      WatchRecorder old = new WatchRecorder();
      server.async.watch(WatchRequest.newBuilder().setAfterEventId(reset - 1).setClientName("test").build(), old);
      await().atMost(Duration.ofSeconds(5)).until(() -> old.expired != null);
      assertThat(old.expired.getOldestRetainedEventId()).isGreaterThan(reset);
      assertThat(server.service.get(ConfigStore.class).history().events()).hasSize(4)
          .allMatch(e -> e.getObject().getName().equals("a2"));
    }
  }

  @Test
  void aCrashBetweenWritingTheCheckpointAndEmptyingTheJournalLosesAndRepeatsNothing() throws Exception {
    Path journal = data().resolve("journal.log");
    Path oldJournal = dir.resolve("journal-before-checkpoint.log");
    writeThenStop(1000);
    Files.copy(journal, oldJournal);
    State before;
    try (ConfigServerFixture server = start(5)) {
      server.blocking.createObject(CreateObjectRequest.newBuilder().setObject(agent("a11")).build());
      before = State.of(server);
    }
    assertThat(journalBytes()).as("the checkpoint emptied the journal").isEqualTo(Journal.EMPTY_BYTES);
    // As if the process died after the checkpoint's rename, before the journal was emptied.
    Files.copy(oldJournal, journal, StandardCopyOption.REPLACE_EXISTING);
    try (ConfigServerFixture server = start(1000)) {
      assertThat(State.of(server)).isEqualTo(before);
      var next = server.blocking.createObject(CreateObjectRequest.newBuilder().setObject(agent("a12")).build());
      assertThat(next.getEventId()).isEqualTo(before.head() + 1);
    }
    try (ConfigServerFixture server = start(1000)) {
      assertThat(State.of(server).head()).isEqualTo(before.head() + 1);
    }
  }

  @Test
  void aHalfWrittenCheckpointIsIgnoredAndADamagedOneRefused() throws Exception {
    State before = writeThenStop(5);
    Files.write(data().resolve("checkpoint.bin.tmp"), new byte[] {1, 2, 3});
    try (ConfigServerFixture server = start(5)) {
      assertThat(State.of(server)).isEqualTo(before);
    }
    assertThat(Files.exists(data().resolve("checkpoint.bin.tmp"))).isFalse();

    Path checkpoint = data().resolve("checkpoint.bin");
    byte[] bytes = Files.readAllBytes(checkpoint);
    bytes[bytes.length / 2] ^= 0x55;
    Files.write(checkpoint, bytes);
    assertThatThrownBy(() -> start(5)).hasStackTraceContaining("checkpoint.bin: checksum mismatch");
  }

  @Test
  void checkpointsTakenWhileTheHistoryExpiresAllRestore() throws Exception {
    State before;
    try (ConfigServerFixture server = start(1); LogCapture log = new LogCapture("io.tandem.configserver.store.Durability");
         LogCapture purges = new LogCapture("io.tandem.configserver.store.StoreContents")) {
      server.blocking.createObject(CreateObjectRequest.newBuilder().setObject(ConfigObject.newBuilder()
          .setType(ObjectType.APPLICATION).setName("confserv").setApplication(Application.newBuilder()
              .setAppType(ApplicationType.CONFIG_SERVER)
              .putOptions("history-log", OptionSection.newBuilder().putValues("expiration", "100ms").build())))
          .build());
      server.blocking.createObject(CreateObjectRequest.newBuilder().setObject(agent("a1")).build());
      // The history log expires every second while checkpoints keep coming: each one must be a
      // consistent cut, or the next start would refuse it.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
      for (int version = 1; (System.nanoTime() < deadline || purges.withId("21-20014").isEmpty()) && version < 100_000;
          version++) {
        update(server, "a1", version, version);
      }
      assertThat(purges.withId("21-20014")).as("the history expired meanwhile").isNotEmpty();
      await().atMost(Duration.ofSeconds(30)).until(() -> !log.withId("21-20019").isEmpty());
      assertThat(log.withId("21-20020")).as("no checkpoint failed").isEmpty();
      before = State.of(server);
    }
    try (ConfigServerFixture server = start(1)) {
      assertThat(State.of(server).objects()).isEqualTo(before.objects());
      assertThat(State.of(server).head()).isEqualTo(before.head());
    }
  }

  @Test
  void aSecondServerOnTheSameDataDirectoryRefusesToStartNamingTheHolder() throws Exception {
    try (ConfigServerFixture first = start(1000)) {
      assertThatThrownBy(() -> start(1000)).hasStackTraceContaining("data directory " + data().toAbsolutePath()
          + " is in use by another Config Server (pid " + ProcessHandle.current().pid() + " on");
      first.blocking.createObject(CreateObjectRequest.newBuilder().setObject(agent("still-writable")).build());
    }
    try (ConfigServerFixture next = start(1000)) {
      assertThat(State.of(next).objects()).extracting(ConfigObject::getName).contains("still-writable");
    }
  }
}
