package io.tandem.configserver.watch;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.tandem.common.bootstrap.LongLivedStreams;
import io.tandem.common.bootstrap.ManagedService;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.concurrent.Scheduled;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import io.tandem.common.logging.RateLimitedLog;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.WatchResponse;
import io.tandem.configserver.store.ChangeListener;
import io.tandem.configserver.store.ConfigStore;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every open Watch session: wakes them on new changes, sends progress, drops them on request. */
public final class WatchHub implements ManagedService, LongLivedStreams, ChangeListener {
  private static final Logger LOG = LoggerFactory.getLogger(WatchHub.class);
  /** Per-request events, at most RateLimitedLog.BURST per window. */
  private static final RateLimitedLog PER_REQUEST = new RateLimitedLog(LOG);
  private static final long TICK_MS = 50;
  private static final String SHUTTING_DOWN = "server shutting down";

  private final ConfigStore store;
  private final Clock clock;
  private final Map<Long, WatchSession> sessions = new ConcurrentHashMap<>();
  /** Guards {@link #stopping} and every session's admission, so none is let in after the sessions are ended. */
  private final Object admission = new Object();
  private boolean stopping;
  private final AtomicLong ids = new AtomicLong();
  // Sending is cheap and non-blocking (flow-controlled), so two threads serve any number of sessions.
  private final ExecutorService senders = Executors.newFixedThreadPool(2, new DaemonThreadFactory("watch-sender"));
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("watch-progress"));

  /** A session as operators see it. */
  public record SessionInfo(String clientName, String peer, long position, java.time.Instant connectedAt) {}

  @Inject
  public WatchHub(ConfigStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
    store.addListener(this);
    store.history().setLiveFloor(this::slowestCursor);
  }

  /** The position of the connected client furthest behind (MAX_VALUE when none). */
  private long slowestCursor() {
    long slowest = Long.MAX_VALUE;
    for (WatchSession session : sessions.values()) {
      if (!session.closed()) {
        slowest = Math.min(slowest, session.cursor());
      }
    }
    return slowest;
  }

  @Override
  public void start() {
    Scheduled.repeat(ticker, "watch tick", Duration.ofMillis(TICK_MS), Duration.ofMillis(TICK_MS), this::tick);
  }

  @Override
  public void stop() {
    endStreams();
    ticker.shutdownNow();
    senders.shutdown();
  }

  @Override
  public String name() {
    return "watch sessions";
  }

  /**
   * Opens a session resuming after {@code after}; once the server is stopping, refuses it with
   * UNAVAILABLE: a client that reconnects while its sessions are being ended (its connection still
   * takes calls until the server's GOAWAY reaches it) must not be restored against a server on
   * its way out, nor hold the stop up.
   */
  public void open(long after, String clientName, String peer, ServerCallStreamObserver<WatchResponse> out) {
    long id = ids.incrementAndGet();
    String name = clientName.isBlank() ? "(anonymous)" : clientName;
    WatchSession session = new WatchSession(id, name, peer, clock.instant(), after, out, store.history(), senders,
        () -> sessions.remove(id), store::progressInterval);
    synchronized (admission) {
      if (stopping) {
        out.onError(Status.UNAVAILABLE.withDescription(SHUTTING_DOWN).asRuntimeException());
        return;
      }
      sessions.put(id, session);
    }
    out.setOnCancelHandler(session::cancelled);
    out.setOnReadyHandler(session::schedule);
    PER_REQUEST.emit(LogEvent.CLIENT_CONNECTED, "client", name, "peer", peer, "session", id, "after", after);
    session.schedule();
  }

  @Override
  public void onCommitted(List<ChangeEvent> events) {
    sessions.values().forEach(WatchSession::schedule);
  }

  /** Ends every session with UNAVAILABLE, as a restart would; returns how many. */
  public int dropAll(String reason) {
    List<WatchSession> dropped = new ArrayList<>(sessions.values());
    dropped.forEach(s -> s.drop(Status.UNAVAILABLE.withDescription(reason)));
    EventLog.emit(LOG, LogEvent.SESSIONS_DROPPED, "sessions", dropped.size(), "reason", reason);
    return dropped.size();
  }

  /** Stops admitting sessions, then ends every one with UNAVAILABLE. */
  @Override
  public void endStreams() {
    synchronized (admission) {
      stopping = true;
    }
    if (!sessions.isEmpty()) {
      dropAll(SHUTTING_DOWN);
    }
  }

  public List<SessionInfo> sessions() {
    return sessions.values().stream()
        .map(s -> new SessionInfo(s.clientName(), s.peer(), s.cursor(), s.connectedAt()))
        .toList();
  }

  private void tick() {
    long idleNanos = store.progressInterval().toNanos();
    for (WatchSession session : sessions.values()) {
      session.progressIfIdle(idleNanos);
    }
  }
}
