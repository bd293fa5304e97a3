package io.tandem.statserver.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.common.config.Applications;
import io.tandem.common.config.ConfigSession;
import io.tandem.common.config.ConfigSource;
import io.tandem.common.grpc.HostPort;
import io.tandem.config.v1.Agent;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.HistoryLogExpired;
import io.tandem.config.v1.ObjectType;
import io.tandem.stat.v1.CenterEvent;
import io.tandem.stat.v1.EventBatch;
import io.tandem.stat.v1.EventType;
import io.tandem.statserver.StatServerSettings;
import io.tandem.statserver.reload.PairView;
import io.tandem.statserver.stats.FeedCounters;
import io.tandem.statserver.stats.StatisticsEngine;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Stat Server's configuration session against a fake Config Server: what it tells the reload logic. */
class ConfigSyncTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** A Config Server that serves a fixed snapshot, or fails it the way the test says. */
  private static final class FakeSource implements ConfigSource {
    final List<Long> watchedFrom = new CopyOnWriteArrayList<>();
    volatile Throwable snapshotFailure;
    volatile long eventId = 7;

    @Override
    public long snapshot(Set<ObjectType> types, Consumer<ConfigObject> sink, Duration deadline) {
      if (snapshotFailure instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (snapshotFailure instanceof Error error) {
        throw error;
      }
      sink.accept(Applications.of("StatServer_A", ApplicationType.STAT_SERVER).port(2040).build());
      sink.accept(ConfigObject.newBuilder().setType(ObjectType.AGENT).setName("ann").setAgent(Agent.getDefaultInstance())
          .build());
      return eventId;
    }

    @Override
    public ConfigObject get(ObjectType type, String name, Duration deadline) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ConfigSession.Watch watch(long afterEventId, ConfigSession.WatchListener listener,
        ScheduledExecutorService timer) {
      watchedFrom.add(afterEventId);
      return () -> { };
    }
  }

  /** What the reload logic was told, in order. */
  private static final class Told implements ConfigSync.SyncListener {
    final List<String> calls = new CopyOnWriteArrayList<>();

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
      calls.add("sessionRestored");
    }

    @Override
    public void historyExpired(HistoryLogExpired expired) {
      calls.add("historyExpired");
    }

    @Override
    public void pairChanged(PairView.Peer peer) {
    }
  }

  private final FakeSource source = new FakeSource();
  private final Told told = new Told();
  private StatisticsEngine engine;
  private ConfigSync sync;

  @BeforeEach
  void start() throws Exception {
    engine = new StatisticsEngine(Clock.systemUTC());
    engine.start();
    sync = new ConfigSync(new StatServerSettings("StatServer_A", 2040, HostPort.local(2020), HostPort.local(2030)),
        engine, s -> source);
    sync.setListener(told);
    sync.start();
    sync.load();
    await().atMost(WAIT).until(() -> told.calls.contains("loaded 2"));
    assertThat(source.watchedFrom).containsExactly(7L);
  }

  @AfterEach
  void stop() throws Exception {
    sync.stop();
    engine.stop();
  }

  @Test
  void aReloadThatFailsWithSomethingOtherThanAGrpcStatusReturnsToRestoring() {
    source.snapshotFailure = new IllegalStateException("a bug in the model");
    sync.reload();
    await().atMost(WAIT).until(() -> told.calls.stream().anyMatch(c -> c.startsWith("reloadFailed")));
    assertThat(told.calls).last().asString().isEqualTo("reloadFailed java.lang.IllegalStateException: a bug in the model");
    assertThat(sync.lastApplied()).as("the model in use stays").isEqualTo(7);

    FeedCounters counters = new FeedCounters();
    engine.feed(EventBatch.newBuilder().addEvents(CenterEvent.newBuilder().setType(EventType.AGENT_LOGIN)
        .setAgent("ann")).build(), counters, () -> { }, () -> { });
    engine.barrier().join();
    assertThat(counters.accepted()).as("the engine is not left holding events for a reload").isEqualTo(1);
  }

  @Test
  void aReloadThatRunsOutOfMemoryReturnsToRestoringToo() {
    source.snapshotFailure = new OutOfMemoryError("Java heap space");
    sync.reload();
    await().atMost(WAIT).until(() -> told.calls.stream().anyMatch(c -> c.startsWith("reloadFailed")));
    assertThat(told.calls).last().asString().contains("OutOfMemoryError: Java heap space");

    source.snapshotFailure = null;
    source.eventId = 9;
    sync.reload();
    await("the next reload works").atMost(WAIT).until(() -> sync.lastApplied() == 9);
  }
}
