package io.tandem.statserver.sync;

import io.tandem.common.config.ConfigReplicas;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tandem.common.bootstrap.ManagedService;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.concurrent.ExecutorStop;
import io.tandem.common.concurrent.Scheduled;
import io.tandem.common.config.ConfigSession;
import io.tandem.common.config.ConfigSource;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import io.tandem.common.retry.Backoff;
import io.tandem.common.security.TransportSecurity;
import io.tandem.config.v1.Application;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ChangeKind;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.HistoryLogExpired;
import io.tandem.config.v1.ObjectType;
import io.tandem.statserver.settings.StatServerSettings;
import io.tandem.statserver.model.ConfigModel;
import io.tandem.statserver.model.ModelInUse;
import io.tandem.protocol.reload.PairView;
import io.tandem.statserver.stats.StatisticsEngine;
import jakarta.inject.Inject;
import java.io.IOException;
import io.tandem.protocol.time.MonotonicClock;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Stat Server's configuration session: loads, restores, reloads and closes as the reload
 * state machine decides, and tells it what happened. Blocking work (snapshots) runs on its own
 * thread; watch callbacks are brought onto that thread too, so they apply in order.
 *
 * <p>A generation number guards every callback: closing or reloading starts a new generation,
 * and whatever the old watch still delivers is dropped.
 *
 * <p>It runs on the executor, clock and jitter it is given: a server's own thread and the system
 * clock, or the simulator's virtual time, where the same shell is driven through seeded faults.
 */
public final class ConfigSync implements ManagedService {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigSync.class);
  private static final Duration SNAPSHOT_DEADLINE = Duration.ofMinutes(2);
  private static final Duration READ_DEADLINE = Duration.ofSeconds(2);

  private final StatServerSettings settings;
  private final ModelInUse engine;
  private final PairView pairView;
  private final ScheduledExecutorService thread;
  private final Clock clock;
  private final Backoff backoff;
  private final Map<String, Application> applications = new HashMap<>();
  private final Function<ConfigSync, ConfigSource> sources;
  private ConfigReplicas replicas;
  private ConfigSource session;
  private SyncListener listener;
  private ConfigSession.Watch watch;
  private long generation;
  /** Set when the service stops: whatever is still under way is given up without a word. */
  private volatile boolean stopping;
  private volatile long lastApplied;
  /** The newest head the Config Server told (snapshot, progress, expiry): how far this server could be. */
  private volatile long knownHead;

  /** What the session tells the reload logic. Called on the sync thread. */
  public interface SyncListener {
    void loaded(long objects, long millis);

    void reloadFailed(String cause);

    void connectionLost(String cause);

    void sessionRestored(long fromEventId, long toEventId, long replayed);

    void historyExpired(HistoryLogExpired expired);

    void pairChanged(PairView.Peer peer);
  }

  /** A server's: the session opened with this server's identity. */
  @Inject
  public ConfigSync(StatServerSettings settings, StatisticsEngine engine, TransportSecurity security) {
    this(settings, engine, sync -> sync.openSession(security));
  }

  /**
   * With its configuration read from {@code sources} (tests give it a fake Config Server), on its
   * own thread; loads are timed on a monotonic clock, so a stepped system time never skews them.
   */
  public ConfigSync(StatServerSettings settings, StatisticsEngine engine, Function<ConfigSync, ConfigSource> sources) {
    this(settings, engine, sources, ownThread(), MonotonicClock.startingNow(), Backoff.THREAD_LOCAL_RANDOM);
  }

  /**
   * @param engine the model in use, which loads and changes are handed to
   * @param sources opens the session with the Config Server, once, at {@link #start}
   * @param thread a single-threaded executor: the session's work, its watch callbacks and its retries run on it
   * @param clock times loads and reloads
   * @param jitter draws the reconnect backoff's jitter
   */
  public ConfigSync(StatServerSettings settings, ModelInUse engine, Function<ConfigSync, ConfigSource> sources,
      ScheduledExecutorService thread, Clock clock, RandomGenerator jitter) {
    this.settings = settings;
    this.engine = engine;
    this.sources = sources;
    this.thread = thread;
    this.clock = clock;
    this.backoff = new Backoff(Backoff.Policy.RECONNECT, jitter);
    this.pairView = new PairView(settings.application());
  }

  private static ScheduledExecutorService ownThread() {
    return Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("config-sync"));
  }

  private ConfigSource openSession(TransportSecurity security) {
    replicas = ConfigReplicas.open(settings.configServers(), settings.configServerIdentity(), security,
        settings.application());
    return replicas;
  }

  public void setListener(SyncListener listener) {
    this.listener = listener;
  }

  @Override
  public void start() {
    session = sources.apply(this);
  }

  @Override
  public void stop() throws InterruptedException {
    stopping = true;
    onThread(this::cancelWatch);
    ExecutorStop.stop(thread, "config-sync", Duration.ofSeconds(2));
    if (replicas != null) {
      replicas.close();
    }
  }

  @Override
  public String name() {
    return "configuration sync";
  }

  /** The last configuration event applied. */
  public long lastApplied() {
    return lastApplied;
  }

  /** Changes the Config Server has and this server has not applied, as far as it knows. */
  public long lag() {
    return Math.max(0, knownHead - lastApplied);
  }

  private void heardHead(long head) {
    knownHead = Math.max(knownHead, head);
  }

  // ---- what the reload logic asks for -------------------------------------------------------

  /** First load: snapshot (retried until the Config Server answers), then watch. */
  public void load() {
    onThread(() -> loadSnapshot(true));
  }

  /** Full reload beside the model in use; on failure the model in use stays. */
  public void reload() {
    onThread(() -> loadSnapshot(false));
  }

  /** Restore the session from the last applied event, retrying until the Config Server answers. */
  public void restore() {
    onThread(() -> watchFrom(lastApplied, true));
  }

  /** Close the session; nothing more arrives until {@link #reload}. */
  public void close() {
    onThread(this::cancelWatch);
  }

  /** Reads this server's and its peer's Applications (while the session is closed). */
  public void pollOptions() {
    onThread(() -> {
      try {
        Application own = session.get(ObjectType.APPLICATION, settings.application(), READ_DEADLINE).getApplication();
        applications.put(settings.application(), own);
        String peer = pairView.peerOf(applications);
        if (!peer.isEmpty()) {
          applications.put(peer, session.get(ObjectType.APPLICATION, peer, READ_DEADLINE).getApplication());
        }
        listener.pairChanged(pairView.read(applications));
      } catch (StatusRuntimeException e) {
        LOG.debug("options poll failed: {}", e.getStatus());
      }
    });
  }

  /** Runs {@code work} on the sync thread; once the service stopped, what still arrives (a cancelled watch's end) is dropped. */
  private void onThread(Runnable work) {
    ExecutorStop.executeUnlessStopped(thread, () -> logged(work));
  }

  /** Runs {@code work} later on the sync thread. */
  private void later(Runnable work, Duration delay) {
    Scheduled.after(thread, "configuration session", delay, () -> logged(work));
  }

  /** Runs {@code work}; what escapes it is logged, where the executor would keep it to itself. */
  private static void logged(Runnable work) {
    try {
      work.run();
    } catch (RuntimeException | Error e) {
      LOG.error("configuration sync: a piece of work failed; the session goes on", e);
      throw e;
    }
  }

  // ---- on the sync thread ------------------------------------------------------------------

  private void loadSnapshot(boolean initial) {
    cancelWatch();
    long myGeneration = generation;
    long begin = clock.millis();
    ConfigModel model;
    Map<String, Application> apps = new HashMap<>();
    long[] firstBatchAt = new long[1];
    int[] batches = new int[1];
    long eventId;
    long read;
    try {
      // Sized like the model in use and sharing its unchanged parts: a reload brings about the
      // same objects again. The engine hands the model in use over once every change before the
      // reload is applied to it, and changes it no more until the swap.
      model = ConfigModel.rebuiltFrom(initial ? new ConfigModel() : engine.beginReload().join());
      ModelSnapshot snapshot = new ModelSnapshot(model, apps);
      session.snapshotBatches(Set.of(), batch -> {
        if (batches[0]++ == 0) {
          firstBatchAt[0] = clock.millis();
        }
        try {
          snapshot.read(batch);
        } catch (IOException e) {
          throw Status.INTERNAL.withDescription("snapshot batch unreadable: " + e.getMessage()).asRuntimeException();
        }
      }, SNAPSHOT_DEADLINE);
      eventId = snapshot.consistentAt();
      model.setEventId(eventId);
      model.finishBuilding();
      read = clock.millis();
      if (stopping) {
        givenUp(initial);
        return;
      }
      engine.completeReload(model).join();
    } catch (StatusRuntimeException e) {
      failed(describe(e.getStatus()), initial, myGeneration);
      return;
    } catch (RuntimeException | Error e) {
      if (stopping) {
        givenUp(initial);
        return;
      }
      // Not the Config Server's doing (a model that cannot be built, memory, a bug): the same way
      // out, so the server never stays RELOADING and the engine never keeps holding the feed.
      // The model in use is untouched.
      LOG.error("configuration {} failed", initial ? "load" : "reload", e);
      failed(e.toString(), initial, myGeneration);
      return;
    }
    // The new model is in use: from here on the reload has happened, whatever follows, and the
    // session goes on to a watch from it.
    long swapped = clock.millis();
    heardHead(eventId);
    applications.clear();
    applications.putAll(apps);
    lastApplied = eventId;
    backoff.reset();
    String what = initial ? "load" : "reload";
    afterSwap(what, "logging it", () -> EventLog.emit(LOG, LogEvent.CONFIG_SNAPSHOT_READ, "application",
        settings.application(), "objects", model.objectCount() + apps.size(), "batches", batches[0],
        "first_batch_ms", firstBatchAt[0] - begin, "stream_ms", read - firstBatchAt[0],
        "swap_ms", swapped - read));
    afterSwap(what, "reading the pair's options", () -> listener.pairChanged(pairView.read(applications)));
    afterSwap(what, "telling the reload logic", () -> listener.loaded(model.objectCount() + apps.size(),
        clock.millis() - begin));
    watchFrom(eventId, false);
  }


  /**
   * One step after a load's or a reload's swap: a failure (a bug) is logged and stops that step
   * only, since the new model is in use whatever happens, and the session must still go on.
   */
  private static void afterSwap(String what, String step, Runnable work) {
    try {
      work.run();
    } catch (RuntimeException | Error e) {
      LOG.error("configuration {}: {} failed after the new model was swapped in; the session goes on", what, step, e);
    }
  }

  /** The service stops: a reload under way ends (the engine applies what it held), nothing is reported. */
  private void givenUp(boolean initial) {
    if (!initial) {
      engine.abortReload();
    }
  }

  private void failed(String cause, boolean initial, long myGeneration) {
    if (stopping) {
      givenUp(initial);
      return;
    }
    if (initial) {
      Duration delay = backoff.nextDelay();
      LOG.info("configuration load failed ({}); retrying in {} ms", cause, delay.toMillis());
      later(() -> {
        if (generation == myGeneration) {
          loadSnapshot(true);
        }
      }, delay);
    } else {
      engine.abortReload();
      listener.reloadFailed(cause);
    }
  }

  private void watchFrom(long after, boolean restoring) {
    cancelWatch();
    long myGeneration = generation;
    WatchState state = new WatchState(after, restoring);
    try {
      watch = openWatch(after, state, myGeneration);
    } catch (RuntimeException e) {
      // A watch that cannot be opened (a channel shut down, a bug) is one that broke at once.
      LOG.warn("configuration watch after event {} could not be opened", after, e);
      broken(Status.UNAVAILABLE.withDescription("watch could not be opened: " + e), state);
    }
  }

  private ConfigSession.Watch openWatch(long after, WatchState state, long myGeneration) {
    return session.watch(after, new ConfigSession.WatchListener() {
      @Override
      public void onChanges(List<ChangeEvent> events, boolean replay) {
        onThread(() -> apply(events, state));
      }

      @Override
      public void onProgress(long head) {
        onThread(() -> progress(head, state));
      }

      @Override
      public void onExpired(HistoryLogExpired expired) {
        onThread(() -> {
          watch = null;
          heardHead(expired.getHeadEventId());
          listener.historyExpired(expired);
        });
      }

      @Override
      public void onBroken(Status status) {
        onThread(() -> broken(status, state));
      }

      private void onThread(Runnable work) {
        ConfigSync.this.onThread(() -> {
          if (generation == myGeneration) {
            work.run();
          }
        });
      }
    }, thread);
  }

  /** One watch's progress: whether it is established (its replay done). */
  private static final class WatchState {
    final long from;
    final boolean restoring;
    boolean established;
    long replayed;

    WatchState(long from, boolean restoring) {
      this.from = from;
      this.restoring = restoring;
    }
  }

  private void apply(List<ChangeEvent> events, WatchState state) {
    engine.applyChanges(events);
    boolean applicationsChanged = false;
    for (ChangeEvent event : events) {
      ConfigObject object = event.getObject();
      if (object.getType() == ObjectType.APPLICATION) {
        applicationsChanged = true;
        if (event.getKind() == ChangeKind.DELETED) {
          applications.remove(object.getName());
        } else {
          applications.put(object.getName(), object.getApplication());
        }
      }
      lastApplied = event.getEventId();
    }
    heardHead(lastApplied);
    if (!state.established) {
      state.replayed += events.size();
    }
    if (applicationsChanged) {
      listener.pairChanged(pairView.read(applications));
    }
  }

  private void progress(long head, WatchState state) {
    heardHead(head);
    if (!state.established) {
      state.established = true;
      backoff.reset();
      if (state.restoring) {
        listener.sessionRestored(state.from, head, state.replayed);
      }
    }
  }

  private void broken(Status status, WatchState state) {
    watch = null;
    if (state.established || !state.restoring) {
      listener.connectionLost(describe(status));
      return;
    }
    if (stopping) {
      return;
    }
    // Still trying to restore: try again later, the reload logic already knows we are disconnected.
    Duration delay = backoff.nextDelay();
    long myGeneration = generation;
    later(() -> {
      if (generation == myGeneration) {
        watchFrom(lastApplied, true);
      }
    }, delay);
  }

  private void cancelWatch() {
    generation++;
    if (watch != null) {
      watch.cancel();
      watch = null;
    }
  }

  private static String describe(Status status) {
    return status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
  }
}
