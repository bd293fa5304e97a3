package io.tandem.statserver.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.tandem.common.config.Applications;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.testing.FakeConfigSource;
import io.tandem.protocol.log.LogCapture;
import io.tandem.common.config.ConfigSession;
import io.tandem.common.config.ConfigSource;
import io.tandem.config.v1.Agent;
import io.tandem.config.v1.AgentGroup;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ChangeKind;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.HistoryLogExpired;
import io.tandem.config.v1.ObjectType;
import io.tandem.stat.v1.CenterEvent;
import io.tandem.stat.v1.EventBatch;
import io.tandem.stat.v1.EventType;
import io.tandem.stat.v1.GetStatisticRequest;
import io.tandem.stat.v1.StatObject;
import io.tandem.stat.v1.StatisticSpec;
import io.tandem.stat.v1.StatisticType;
import io.tandem.statserver.settings.StatServerSettings;
import io.tandem.protocol.reload.PairView;
import io.tandem.statserver.stats.TestFeed;
import io.tandem.statserver.stats.FeedCounters;
import io.tandem.statserver.stats.StatisticsEngine;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Stat Server's configuration session against a scripted Config Server: what it tells the
 * reload logic when watches restore, break, expire or deliver after they were given up, and
 * when snapshots fail.
 */
class ConfigSyncTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** What the reload logic was told, in order. */
  private static final class Told implements ConfigSync.SyncListener {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<PairView.Peer> peers = new CopyOnWriteArrayList<>();
    /** Set: the next pairChanged throws, as a bug in the reload logic would. */
    volatile boolean failNextPairChanged;

    @Override
    public void loaded(long objects, long millis) {
      calls.add("loaded " + objects);
    }

    @Override
    public void reloadFailed(String cause) {
      calls.add("reloadFailed " + cause);
    }

    @Override
    public void connectionLost(String cause) {
      calls.add("connectionLost " + cause);
    }

    @Override
    public void sessionRestored(long fromEventId, long toEventId, long replayed) {
      calls.add("sessionRestored " + fromEventId + ".." + toEventId + " replayed " + replayed);
    }

    @Override
    public void historyExpired(HistoryLogExpired expired) {
      calls.add("historyExpired after " + expired.getRequestedAfterEventId());
    }

    @Override
    public void pairChanged(PairView.Peer peer) {
      if (failNextPairChanged) {
        failNextPairChanged = false;
        throw new IllegalStateException("a bug in the reload logic");
      }
      peers.add(peer);
    }

    boolean heard(String call) {
      return calls.contains(call);
    }
  }

  private final FakeConfigSource source = new FakeConfigSource();
  private final Told told = new Told();
  private StatisticsEngine engine;
  private ConfigSync sync;

  private static ConfigObject agent(String name) {
    return ConfigObject.newBuilder().setType(ObjectType.AGENT).setName(name).setAgent(Agent.getDefaultInstance()).build();
  }

  private static ConfigObject statServerA(String backupCheckInterval) {
    return Applications.of("StatServer_A", ApplicationType.STAT_SERVER).port(2040).backup("StatServer_B")
        .option("statserver", "backup-check-interval", backupCheckInterval).build();
  }

  @BeforeEach
  void start() throws Exception {
    source.put(statServerA("1000")).put(Applications.of("StatServer_B", ApplicationType.STAT_SERVER).port(2041).build())
        .put(agent("ann"));
    source.setHead(7);
    engine = new StatisticsEngine(Clock.systemUTC());
    engine.start();
    sync = new ConfigSync(new StatServerSettings("StatServer_A", 2040, HostPort.local(2020), HostPort.local(2030)),
        engine, s -> source);
    sync.setListener(told);
    sync.start();
    sync.load();
    await().atMost(WAIT).until(() -> told.heard("loaded 3"));
    await().atMost(WAIT).until(() -> source.watches().size() == 1);
    assertThat(source.lastWatch().after).isEqualTo(7);
    assertThat(told.peers).last().satisfies(p -> assertThat(p.peerAddress()).isEqualTo(HostPort.local(2041)));
  }

  @AfterEach
  void stop() throws Exception {
    sync.stop();
    engine.stop();
  }

  private void awaitWatches(int count) {
    await().atMost(WAIT).until(() -> source.watches().size() == count);
  }

  @Test
  void aBrokenWatchIsReportedOnceAndARestoreReplaysWhatWasMissed() {
    source.lastWatch().progress();
    source.lastWatch().broken(Status.UNAVAILABLE.withDescription("connection reset"));
    await().atMost(WAIT).until(() -> told.heard("connectionLost UNAVAILABLE: connection reset"));

    source.change(ChangeKind.CREATED, agent("bob"));
    source.change(ChangeKind.CREATED, agent("cid"));
    sync.restore();
    awaitWatches(2);
    FakeConfigSource.FakeWatch restoring = source.lastWatch();
    assertThat(restoring.after).isEqualTo(7);
    restoring.changes(List.of(source.change(ChangeKind.UPDATED, agent("bob"))), true);
    restoring.progress();
    await().atMost(WAIT).until(() -> told.heard("sessionRestored 7..10 replayed 1"));
    assertThat(sync.lastApplied()).isEqualTo(10);
    assertThat(told.calls).filteredOn(c -> c.startsWith("connectionLost")).hasSize(1);
  }

  @Test
  void whileRestoringABrokenAttemptIsRetriedWithoutTellingTheReloadLogicAgain() {
    source.lastWatch().progress();
    source.lastWatch().broken(Status.UNAVAILABLE.withDescription("gone"));
    await().atMost(WAIT).until(() -> told.heard("connectionLost UNAVAILABLE: gone"));
    sync.restore();
    awaitWatches(2);
    source.lastWatch().broken(Status.UNAVAILABLE.withDescription("still gone"));
    awaitWatches(3);
    source.lastWatch().broken(Status.UNAVAILABLE.withDescription("still gone"));
    awaitWatches(4);
    assertThat(source.lastWatch().after).isEqualTo(7);
    source.lastWatch().progress();
    await().atMost(WAIT).until(() -> told.heard("sessionRestored 7..7 replayed 0"));
    assertThat(told.calls).filteredOn(c -> c.startsWith("connectionLost")).as("told once, when it broke").hasSize(1);
  }

  @Test
  void anExpiredHistoryIsToldAndNothingIsWatchedUntilTheReloadLogicDecides() {
    source.lastWatch().expire();
    await().atMost(WAIT).until(() -> told.heard("historyExpired after 7"));
    assertThat(source.watches()).hasSize(1);
    assertThat(source.snapshots()).as("no reload until it is asked for").isEqualTo(1);

    source.change(ChangeKind.CREATED, agent("bob"));
    sync.reload();
    await().atMost(WAIT).until(() -> told.heard("loaded 4"));
    awaitWatches(2);
    assertThat(source.lastWatch().after).isEqualTo(8);
  }

  @Test
  void whatAClosedWatchStillDeliversIsDropped() throws Exception {
    FakeConfigSource.FakeWatch old = source.lastWatch();
    old.progress();
    sync.close();
    await().atMost(WAIT).until(old::cancelled);
    old.changes(List.of(source.change(ChangeKind.DELETED, agent("ann"))), false);
    old.broken(Status.CANCELLED);
    engine.barrier().join();
    sync.restore(); // runs after what the old watch delivered: the sync thread takes work in order
    awaitWatches(2);
    assertThat(source.lastWatch().after).as("the dropped change was not applied").isEqualTo(7);
    assertThat(engine.objects()).isEqualTo(1);
    assertThat(told.calls).noneMatch(c -> c.startsWith("connectionLost"));
  }

  @Test
  void whatTheWatchDeliversWhileTheSessionStopsIsDroppedQuietly() throws Exception {
    FakeConfigSource.FakeWatch watch = source.lastWatch();
    watch.progress();
    sync.stop();
    assertThat(watch.cancelled()).isTrue();
    // gRPC ends the cancelled call on its own thread once the session's thread has stopped.
    watch.broken(Status.CANCELLED.withDescription("call cancelled"));
    watch.changes(List.of(source.change(ChangeKind.CREATED, agent("bob"))), false);
    assertThat(told.calls).noneMatch(c -> c.startsWith("connectionLost"));
  }

  @Test
  void theFirstLoadIsRetriedUntilTheConfigServerAnswers() throws Exception {
    ConfigSync second = new ConfigSync(new StatServerSettings("StatServer_A", 2040, HostPort.local(2020),
        HostPort.local(2030)), engine, s -> source);
    Told secondTold = new Told();
    second.setListener(secondTold);
    second.start();
    source.failNextSnapshot(Status.UNAVAILABLE.withDescription("starting").asRuntimeException())
        .failNextSnapshot(Status.DEADLINE_EXCEEDED.asRuntimeException());
    int before = source.snapshots();
    try {
      second.load();
      await().atMost(WAIT).until(() -> secondTold.heard("loaded 3"));
      assertThat(source.snapshots() - before).isEqualTo(3);
      assertThat(secondTold.calls).containsExactly("loaded 3");
    } finally {
      second.stop();
    }
  }

  @Test
  void changedApplicationsInTheWatchAndAnOptionsPollTellTheNewOptions() {
    source.lastWatch().changes(List.of(source.change(ChangeKind.UPDATED, statServerA("250"))), false);
    await().atMost(WAIT).until(() -> told.peers.get(told.peers.size() - 1).options().backupCheckInterval()
        .equals(Duration.ofMillis(250)));

    sync.close();
    source.change(ChangeKind.UPDATED, statServerA("400")); // while the session is closed (protected mode)
    sync.pollOptions();
    await().atMost(WAIT).until(() -> told.peers.get(told.peers.size() - 1).options().backupCheckInterval()
        .equals(Duration.ofMillis(400)));
  }

  /**
   * The Config Server as the test delivers it, with one moment marked in its next snapshot: after
   * its second batch (agents ann and bob), {@code midSnapshot} runs before the rest is read.
   */
  private static final class SnapshotWithAPause implements ConfigSource {
    private final FakeConfigSource source;
    volatile Runnable midSnapshot = () -> { };
    volatile boolean snapshotStarted;
    volatile Thread syncThread;

    SnapshotWithAPause(FakeConfigSource source) {
      this.source = source;
    }

    @Override
    public void snapshotBatches(Set<ObjectType> types, Consumer<byte[]> batches, Duration deadline) {
      snapshotStarted = true;
      int[] seen = new int[1];
      source.snapshotBatches(types, batch -> {
        batches.accept(batch);
        if (++seen[0] == 2) {
          midSnapshot.run();
        }
      }, deadline);
    }

    @Override
    public ConfigObject get(ObjectType type, String name, Duration deadline) {
      return source.get(type, name, deadline);
    }

    @Override
    public ConfigSession.Watch watch(long after, ConfigSession.WatchListener listener, ScheduledExecutorService timer) {
      syncThread = Thread.currentThread();
      return source.watch(after, listener, timer);
    }

    /** Whether the session's thread waits inside a load, before any snapshot was asked for. */
    boolean waitingBeforeTheSnapshot() {
      Thread thread = syncThread;
      return !snapshotStarted && thread != null && thread.getState() == Thread.State.WAITING
          && Arrays.stream(thread.getStackTrace()).anyMatch(f -> f.getMethodName().equals("loadSnapshot"));
    }
  }

  private static ConfigObject group(String name, String... members) {
    return ConfigObject.newBuilder().setType(ObjectType.AGENT_GROUP).setName(name)
        .setAgentGroup(AgentGroup.newBuilder().addAllMembers(List.of(members))).build();
  }

  @Test
  void aReloadBuildsOnEveryChangeAppliedBeforeItEvenIfTheEngineAppliesItLate() throws Exception {
    SnapshotWithAPause paused = new SnapshotWithAPause(source);
    StatisticsEngine reloading = new StatisticsEngine(Clock.systemUTC());
    reloading.start();
    ConfigSync second = new ConfigSync(new StatServerSettings("StatServer_A", 2040, HostPort.local(2020),
        HostPort.local(2030)), reloading, s -> paused);
    Told secondTold = new Told();
    second.setListener(secondTold);
    second.start();
    CountDownLatch release = new CountDownLatch(1);
    try {
      second.load();
      await().atMost(WAIT).until(() -> secondTold.heard("loaded 3"));
      await().atMost(WAIT).until(() -> source.watches().size() == 2);
      FakeConfigSource.FakeWatch watch = source.lastWatch();
      watch.changes(List.of(source.change(ChangeKind.CREATED, agent("bob")),
          source.change(ChangeKind.CREATED, group("sales", "ann"))), false);
      watch.progress();
      await().atMost(WAIT).until(() -> second.lastApplied() == 9);
      reloading.barrier().join();

      // The engine thread is busy (a slow stream, say) when bob joins sales: the change waits in its queue.
      reloading.afterFeed(() -> {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      watch.changes(List.of(source.change(ChangeKind.UPDATED, group("sales", "ann", "bob"))), false);
      await().atMost(WAIT).until(() -> second.lastApplied() == 10);
      // The engine gets to it while the reload reads its snapshot, between bob and sales.
      paused.midSnapshot = () -> {
        release.countDown();
        reloading.barrier().join();
      };
      second.reload();
      await().atMost(WAIT).until(() -> paused.snapshotStarted || paused.waitingBeforeTheSnapshot());
      release.countDown();
      await().atMost(WAIT).until(() -> secondTold.heard("loaded 5"));

      FeedCounters counters = new FeedCounters();
      TestFeed.feed(reloading, EventBatch.newBuilder().addEvents(CenterEvent.newBuilder().setType(EventType.AGENT_LOGIN)
          .setAgent("bob")).addEvents(CenterEvent.newBuilder().setType(EventType.AGENT_READY).setAgent("bob")).build(), counters);
      reloading.barrier().join();
      assertThat(counters.accepted()).isEqualTo(2);
      assertThat(reloading.get(GetStatisticRequest.newBuilder().setSpec(StatisticSpec.newBuilder()
          .setObject(StatObject.newBuilder().setType(ObjectType.AGENT_GROUP).setName("sales"))
          .setStatistic(StatisticType.CURRENT_READY_AGENTS)).build(), "client").getCount())
          .as("bob, a member of sales, is ready").isEqualTo(1);
    } finally {
      release.countDown();
      second.stop();
      reloading.stop();
    }
  }

  /** A batch fed now is applied at once: the engine is not holding events for a reload. */
  private void assertTheEngineHoldsNoEventsForAReload() {
    FeedCounters counters = new FeedCounters();
    TestFeed.feed(engine, EventBatch.newBuilder().addEvents(CenterEvent.newBuilder().setType(EventType.AGENT_LOGIN)
        .setAgent("ann")).build(), counters);
    engine.barrier().join();
    assertThat(counters.accepted()).as("the engine is not left holding events for a reload").isEqualTo(1);
  }

  @Test
  void aReloadThatFailsWithSomethingOtherThanAGrpcStatusReturnsToRestoring() {
    source.failNextSnapshot(new IllegalStateException("a bug in the model"));
    sync.reload();
    await().atMost(WAIT).until(() -> told.calls.stream().anyMatch(c -> c.startsWith("reloadFailed")));
    assertThat(told.calls).last().asString().isEqualTo("reloadFailed java.lang.IllegalStateException: a bug in the model");
    assertThat(sync.lastApplied()).as("the model in use stays").isEqualTo(7);
    assertTheEngineHoldsNoEventsForAReload();
  }

  @Test
  void aReloadThatRunsOutOfMemoryReturnsToRestoringToo() {
    source.failNextSnapshot(new OutOfMemoryError("Java heap space"));
    sync.reload();
    await().atMost(WAIT).until(() -> told.calls.stream().anyMatch(c -> c.startsWith("reloadFailed")));
    assertThat(told.calls).last().asString().contains("OutOfMemoryError: Java heap space");

    source.setHead(9);
    sync.reload();
    await("the next reload works").atMost(WAIT).until(() -> sync.lastApplied() == 9);
  }

  @Test
  void aReloadFailingWithAnyErrorReturnsToRestoringAndTheEngineHoldsNothing() {
    source.failNextSnapshot(new StackOverflowError("a model too deep"));
    sync.reload();
    await("the reload logic is told the reload failed").atMost(WAIT)
        .until(() -> told.calls.stream().anyMatch(c -> c.startsWith("reloadFailed")));
    assertThat(told.calls).last().asString().contains("StackOverflowError: a model too deep");
    assertTheEngineHoldsNoEventsForAReload();
  }

  @Test
  void aFailureAfterTheSwapIsLoggedAndTheSessionStillGoesOnToAWatch() {
    source.change(ChangeKind.CREATED, agent("bob"));
    told.failNextPairChanged = true;
    try (LogCapture log = new LogCapture(ConfigSync.class)) {
      sync.reload();
      await("the reload logic is told the reload happened").atMost(WAIT).until(() -> told.heard("loaded 4"));
      awaitWatches(2);
      assertThat(source.lastWatch().after).as("watching from the new model's event").isEqualTo(8);
      assertThat(log.lines()).anySatisfy(line -> assertThat(line).contains("after the new model was swapped in"));
    }
  }

  /** The Config Server as the test delivers it, except that its next watch cannot be opened. */
  private static final class WatchThatFailsOnce implements ConfigSource {
    private final FakeConfigSource source;
    volatile boolean failNextWatch;

    WatchThatFailsOnce(FakeConfigSource source) {
      this.source = source;
    }

    @Override
    public void snapshotBatches(Set<ObjectType> types, Consumer<byte[]> batches, Duration deadline) {
      source.snapshotBatches(types, batches, deadline);
    }

    @Override
    public ConfigObject get(ObjectType type, String name, Duration deadline) {
      return source.get(type, name, deadline);
    }

    @Override
    public ConfigSession.Watch watch(long after, ConfigSession.WatchListener listener, ScheduledExecutorService timer) {
      if (failNextWatch) {
        failNextWatch = false;
        throw new IllegalStateException("Channel shutdown invoked");
      }
      return source.watch(after, listener, timer);
    }
  }

  @Test
  void aWatchThatCannotBeOpenedIsALostConnectionAndARestoreTriesAgain() throws Exception {
    WatchThatFailsOnce failing = new WatchThatFailsOnce(source);
    ConfigSync second = new ConfigSync(new StatServerSettings("StatServer_A", 2040, HostPort.local(2020),
        HostPort.local(2030)), engine, s -> failing);
    Told secondTold = new Told();
    second.setListener(secondTold);
    second.start();
    try {
      failing.failNextWatch = true;
      int before = source.watches().size();
      second.load();
      await().atMost(WAIT).until(() -> secondTold.heard("loaded 3"));
      await("the reload logic is told the connection is lost").atMost(WAIT)
          .until(() -> secondTold.calls.stream().anyMatch(c -> c.startsWith("connectionLost")));
      assertThat(secondTold.calls).last().asString().contains("Channel shutdown invoked");
      second.restore();
      await().atMost(WAIT).until(() -> source.watches().size() == before + 1);
      assertThat(source.lastWatch().after).isEqualTo(7);
    } finally {
      second.stop();
    }
  }
}
