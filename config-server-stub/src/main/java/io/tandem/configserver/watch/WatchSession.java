package io.tandem.configserver.watch;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.tandem.common.grpc.MessageLimits;
import io.tandem.protocol.log.LogEvent;
import io.tandem.common.logging.RateLimitedLog;
import io.tandem.config.v1.ChangeBatch;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.HistoryLogExpired;
import io.tandem.config.v1.Progress;
import io.tandem.config.v1.WatchResponse;
import io.tandem.protocol.history.HistoryLog;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's Watch stream: a cursor into the history log, replay then live changes.
 *
 * <p>Everything that writes to the stream runs in {@link #drain}, which is never run twice at
 * once (the {@code scheduled} flag), so the observer is only ever called from one thread at a
 * time. Sends only while the transport is ready: a slow client falls behind in the history log,
 * not in this server's memory; if it falls behind past the log's floor it is told
 * HistoryLogExpired like anyone else who missed history.
 */
final class WatchSession {
  private static final Logger LOG = LoggerFactory.getLogger(WatchSession.class);
  /** Per-request events, at most RateLimitedLog.BURST per window. */
  private static final RateLimitedLog PER_REQUEST = new RateLimitedLog(LOG);
  private static final int BATCH = 500;

  private final long id;
  private final String clientName;
  private final String peer;
  private final Instant connectedAt;
  private final long requestedAfter;
  private final ServerCallStreamObserver<WatchResponse> out;
  private final HistoryLog history;
  private final Executor executor;
  private final Runnable onClosed;
  private final Supplier<Duration> progressInterval;
  private final long replayUntil;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private volatile long cursor;
  private volatile long lastSentNanos = System.nanoTime();
  private volatile boolean progressDue;
  private volatile Status dropWith;
  private volatile boolean closed;
  private boolean restoredLogged;
  private long replayed;

  WatchSession(long id, String clientName, String peer, Instant connectedAt, long after,
      ServerCallStreamObserver<WatchResponse> out, HistoryLog history, Executor executor, Runnable onClosed,
      Supplier<Duration> progressInterval) {
    this.id = id;
    this.clientName = clientName;
    this.peer = peer;
    this.connectedAt = connectedAt;
    this.requestedAfter = after;
    this.cursor = after;
    this.out = out;
    this.history = history;
    this.executor = executor;
    this.onClosed = onClosed;
    this.progressInterval = progressInterval;
    this.replayUntil = history.head();
  }

  long id() {
    return id;
  }

  String clientName() {
    return clientName;
  }

  String peer() {
    return peer;
  }

  Instant connectedAt() {
    return connectedAt;
  }

  long cursor() {
    return cursor;
  }

  boolean closed() {
    return closed;
  }

  /** The client went away. */
  void cancelled() {
    if (!closed) {
      closed = true;
      onClosed.run();
      PER_REQUEST.emit(LogEvent.CLIENT_DISCONNECTED, "client", clientName, "peer", peer, "session", id,
          "position", cursor);
    }
  }

  /** Sends a progress notification if nothing was sent for {@code idleNanos} and the client is caught up. */
  void progressIfIdle(long idleNanos) {
    if (!closed && cursor >= history.head() && System.nanoTime() - lastSentNanos >= idleNanos) {
      progressDue = true;
      schedule();
    }
  }

  /** Ends the stream with {@code status}, as a restart would. */
  void drop(Status status) {
    dropWith = status;
    schedule();
  }

  void schedule() {
    if (!closed && scheduled.compareAndSet(false, true)) {
      executor.execute(this::drain);
    }
  }

  private void drain() {
    try {
      if (dropWith != null) {
        close(() -> out.onError(dropWith.asRuntimeException()));
        return;
      }
      boolean sentSomething = false;
      while (!closed && out.isReady()) {
        HistoryLog.Read read = history.read(cursor, BATCH);
        if (read instanceof HistoryLog.Expired expired) {
          sendExpired(expired);
          return;
        }
        List<ChangeEvent> events = withinBatchBytes(((HistoryLog.Events) read).events());
        if (events.isEmpty()) {
          break;
        }
        long last = events.get(events.size() - 1).getEventId();
        boolean replay = last <= replayUntil;
        out.onNext(WatchResponse.newBuilder()
            .setChanges(ChangeBatch.newBuilder().addAllEvents(events).setReplay(replay)).build());
        if (replay) {
          replayed += events.size();
        }
        cursor = last;
        sentSomething = true;
      }
      if (closed) {
        return;
      }
      if (!restoredLogged && cursor >= replayUntil) {
        restoredLogged = true;
        PER_REQUEST.emit(LogEvent.SESSION_RESTORED_FOR_CLIENT, "client", clientName, "session", id,
            "from", requestedAfter, "to", cursor, "replayed", replayed);
        progressDue = true; // marks the end of the replay: the client is caught up
      }
      if (progressDue && out.isReady() && cursor >= history.head()) {
        progressDue = false;
        out.onNext(WatchResponse.newBuilder().setProgress(Progress.newBuilder().setHeadEventId(cursor)
            .setProgressIntervalMs(progressInterval.get().toMillis())).build());
        sentSomething = true;
      }
      if (sentSomething) {
        lastSentNanos = System.nanoTime();
      }
    } catch (RuntimeException e) {
      // The stream is broken (e.g. cancelled between isReady and onNext): nothing to tell it.
      LOG.debug("watch session {} of {} ended: {}", id, clientName, e.toString());
      cancelled();
    } finally {
      scheduled.set(false);
    }
    if (!closed && (dropWith != null || (out.isReady() && history.head() > cursor))) {
      schedule();
    }
  }

  /** The first events, up to {@link MessageLimits#BATCH_BYTES} (at least one: a large one goes alone). */
  private static List<ChangeEvent> withinBatchBytes(List<ChangeEvent> events) {
    long bytes = 0;
    for (int i = 0; i < events.size(); i++) {
      bytes += events.get(i).getSerializedSize();
      if (bytes > MessageLimits.BATCH_BYTES && i > 0) {
        return events.subList(0, i);
      }
    }
    return events;
  }

  private void sendExpired(HistoryLog.Expired expired) {
    PER_REQUEST.emit(LogEvent.HISTORY_EXPIRED_SENT, "client", clientName, "peer", peer, "session", id,
        "after", cursor, "oldest_retained", expired.oldestRetained(), "head", expired.head(),
        "reason", expired.reason());
    HistoryLogExpired message = HistoryLogExpired.newBuilder()
        .setRequestedAfterEventId(cursor)
        .setOldestRetainedEventId(expired.oldestRetained())
        .setHeadEventId(expired.head())
        .setReason(expired.reason())
        .build();
    close(() -> {
      out.onNext(WatchResponse.newBuilder().setHistoryLogExpired(message).build());
      out.onCompleted();
    });
  }

  private void close(Runnable finalMessages) {
    if (closed) {
      return;
    }
    closed = true;
    onClosed.run();
    try {
      finalMessages.run();
    } catch (RuntimeException e) {
      LOG.debug("watch session {} of {} already gone: {}", id, clientName, e.toString());
    }
    PER_REQUEST.emit(LogEvent.CLIENT_DISCONNECTED, "client", clientName, "peer", peer, "session", id,
        "position", cursor);
  }
}
