package io.tandem.configserver;

import static io.tandem.configserver.Objects.agent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tandem.configserver.settings.ConfigServerSettings;
import io.tandem.protocol.log.LogCapture;
import io.tandem.config.v1.ApplyObjectsRequest;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.CreateObjectRequest;
import io.tandem.config.v1.GetHistoryInfoRequest;
import io.tandem.config.v1.ListObjectsRequest;
import io.tandem.config.v1.ObjectType;
import io.tandem.configserver.journal.FaultyDisk;
import io.tandem.configserver.store.ConfigStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Config Server on a disk that fails where real ones do (a fault-injecting wrapper of the
 * file system, not a mock of the store): a write that cannot be made durable is refused with the
 * documented status and alarm 21-20022, memory stays exactly as it was, reads go on, writes work
 * again once the fault is gone, and the next start recovers every acknowledged change.
 */
class StorageFaultsTest {
  @TempDir
  Path dir;

  /** Where alarm 21-20022 is logged from. */
  private static final String DURABILITY = "io.tandem.configserver.store.Durability";

  private final FaultyDisk disk = new FaultyDisk();

  private Path data() {
    return dir.resolve("data");
  }

  private ConfigServerFixture start(long checkpointAfter) throws Exception {
    return ConfigServerFixture.start(new ConfigServerSettings(data(), null, false, "confserv", true, checkpointAfter),
        disk);
  }

  /**
   * The server's own Application with a history log of 2 records: the journal soon outgrows
   * the objects and the history, so checkpoints come every few changes.
   */
  private static void shortHistory(ConfigServerFixture server) {
    server.blocking.createObject(CreateObjectRequest.newBuilder().setObject(io.tandem.common.config.Applications
        .of("confserv", io.tandem.config.v1.ApplicationType.CONFIG_SERVER).option("history-log", "max-records", "2")
        .build()).build());
  }

  private static void create(ConfigServerFixture server, String name) {
    server.blocking.createObject(CreateObjectRequest.newBuilder().setObject(agent(name)).build());
  }

  /** Updates agent {@code name} (version {@code version} now) once: journals grow, objects do not. */
  private static void update(ConfigServerFixture server, String name, long version) {
    server.blocking.updateObject(io.tandem.config.v1.UpdateObjectRequest.newBuilder().setExpectedVersion(version)
        .setObject(agent(name).toBuilder().setAgent(agent(name).getAgent().toBuilder().setFirstName("v" + version)))
        .build());
  }

  private static long head(ConfigServerFixture server) {
    return server.blocking.getHistoryInfo(GetHistoryInfoRequest.getDefaultInstance()).getHeadEventId();
  }

  private static List<String> agents(ConfigServerFixture server) {
    List<String> names = new ArrayList<>();
    server.blocking.listObjects(ListObjectsRequest.newBuilder().addTypes(ObjectType.AGENT).build())
        .forEachRemaining(batch -> batch.getObjectsList().forEach(o -> names.add(o.getName())));
    return names;
  }

  private static ApplyObjectsRequest batch(String prefix, int size) {
    ApplyObjectsRequest.Builder request = ApplyObjectsRequest.newBuilder();
    for (int i = 0; i < size; i++) {
      request.addObjects(agent(prefix + i));
    }
    return request.build();
  }

  private List<Path> leftovers() throws IOException {
    try (Stream<Path> files = Files.list(data())) {
      return files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList();
    }
  }

  /**
   * With {@code fault} armed, {@code write} is refused with {@code code}, an alarm, and nothing
   * changed; cleared, writes go on; restarted with a healthy disk, every acknowledged change is back.
   */
  private void refusedThenRecovered(FaultyDisk.Fault fault, Status.Code code, String message) throws Exception {
    List<String> acknowledged;
    try (ConfigServerFixture server = start(1_000_000); LogCapture alarms = new LogCapture(
        DURABILITY)) {
      create(server, "before");
      server.blocking.applyObjects(batch("first-", 50));
      long head = head(server);
      disk.arm(fault);
      assertThatThrownBy(() -> server.blocking.applyObjects(batch("refused-", 50)))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(message, "the change was not written");
          });
      assertThat(alarms.withId("21-20022")).singleElement().asString().contains("data_dir=", "free_bytes=");
      assertThat(head(server)).as("no event id consumed").isEqualTo(head);
      assertThat(agents(server)).as("memory as it was; reads go on").hasSize(51).noneMatch(n -> n.startsWith("refused-"));
      disk.clear();
      server.blocking.applyObjects(batch("after-", 50));
      assertThat(head(server)).as("ids stay gap-free").isEqualTo(head + 50);
      acknowledged = agents(server);
    }
    try (ConfigServerFixture restarted = ConfigServerFixture.start(
        new ConfigServerSettings(data(), null, false, "confserv", true))) {
      assertThat(agents(restarted)).containsExactlyInAnyOrderElementsOf(acknowledged);
    }
    assertThat(leftovers()).isEmpty();
  }

  @Test
  void aFailedFsyncRefusesTheWriteAsUnavailable() throws Exception {
    refusedThenRecovered(FaultyDisk.Fault.FSYNC, Status.Code.UNAVAILABLE, "could not be written (java.io.IOException:"
        + " injected: fsync failed)");
  }

  @Test
  void aWriteFailingInTheMiddleOfABatchKeepsNoneOfIt() throws Exception {
    refusedThenRecovered(FaultyDisk.Fault.WRITE_HALFWAY, Status.Code.UNAVAILABLE, "injected: write failed halfway");
  }

  @Test
  void aFullDiskRefusesTheWriteAsResourceExhaustedNamingTheDisk() throws Exception {
    refusedThenRecovered(FaultyDisk.Fault.NO_SPACE, Status.Code.RESOURCE_EXHAUSTED, "no space left on the disk of"
        + " data directory " + dir.resolve("data").toAbsolutePath() + " (0 bytes free)");
  }

  @Test
  void aCheckpointWhoseRenameFailsLeavesTheJournalWholeAndNoTemporaryFile() throws Exception {
    List<String> acknowledged;
    try (ConfigServerFixture server = start(10); LogCapture log = new LogCapture(
        DURABILITY)) {
      shortHistory(server);
      create(server, "hot");
      disk.arm(FaultyDisk.Fault.RENAME);
      for (int version = 1; version <= 30; version++) {
        update(server, "hot", version);
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> !log.withId("21-20020").isEmpty());
      assertThat(log.withId("21-20020").get(0)).contains("injected: rename of checkpoint.bin.tmp failed");
      assertThat(leftovers()).as("the failed checkpoint's temporary file is removed").isEmpty();
      disk.clear();
      for (int version = 31; version <= 60; version++) {
        update(server, "hot", version);
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> !log.withId("21-20019").isEmpty());
      acknowledged = agents(server);
    }
    try (ConfigServerFixture restarted = start(10)) {
      assertThat(agents(restarted)).containsExactlyInAnyOrderElementsOf(acknowledged);
    }
  }

  @Test
  void whenTheDirectoryCannotBeForcedAfterTheJournalIsReplacedNothingMoreIsAcknowledgedUntilItCan() throws Exception {
    List<String> acknowledged;
    try (ConfigServerFixture server = start(10); LogCapture log = new LogCapture(
        DURABILITY)) {
      shortHistory(server);
      create(server, "hot");
      // The checkpoint's own directory sync succeeds; the one after the journal's replacement fails,
      // and so does every later one until the fault is cleared.
      disk.arm(FaultyDisk.Fault.DIRECTORY_SYNC, 1);
      List<Status.Code> refusals = new ArrayList<>();
      long version = 1;
      while (version < 200 && refusals.isEmpty()) {
        try {
          update(server, "hot", version);
          version++;
        } catch (StatusRuntimeException e) {
          refusals.add(e.getStatus().getCode());
          assertThat(e.getStatus().getDescription()).contains("injected: fsync of directory");
        }
      }
      assertThat(refusals).as("a write refused while the journal's new name may not be on disk")
          .containsExactly(Status.Code.UNAVAILABLE);
      assertThat(log.withId("21-20022")).singleElement().asString().contains("injected: fsync of directory");
      disk.clear();
      update(server, "hot", version);
      acknowledged = List.of("hot v" + (version + 1));
    }
    try (ConfigServerFixture restarted = start(10)) {
      ConfigObject hot = restarted.blocking.getObject(io.tandem.config.v1.GetObjectRequest.newBuilder()
          .setType(ObjectType.AGENT).setName("hot").build());
      assertThat(List.of(hot.getName() + " v" + hot.getVersion())).as("every acknowledged update is back")
          .isEqualTo(acknowledged);
    }
  }

  @Test
  void memoryStaysExactlyAsItWasWhenAWriteIsRefused() throws Exception {
    try (ConfigServerFixture server = start(1_000_000)) {
      create(server, "kept");
      ConfigStore store = server.service.get(ConfigStore.class);
      ConfigStore.Listing before = store.list(java.util.Set.of());
      List<io.tandem.config.v1.ChangeEvent> history = store.history().events();
      disk.arm(FaultyDisk.Fault.FSYNC);
      assertThatThrownBy(() -> create(server, "refused")).isInstanceOf(StatusRuntimeException.class);
      assertThat(store.list(java.util.Set.of())).isEqualTo(before);
      assertThat(store.history().events()).isEqualTo(history);
    }
  }
}
