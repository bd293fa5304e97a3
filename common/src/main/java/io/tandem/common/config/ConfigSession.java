package io.tandem.common.config;

import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.tandem.common.grpc.MessageLimits;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.GetObjectRequest;
import io.tandem.config.v1.HistoryLogExpired;
import io.tandem.config.v1.ListObjectsRequest;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.WatchRequest;
import io.tandem.config.v1.WatchResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A client's two conversations with the Config Server: read a snapshot, then watch from its
 * event id. Both Tandem services that follow configuration (Management Layer, Stat Server) are
 * built on it; what to do when a watch breaks or expires is theirs to decide.
 */
public final class ConfigSession implements ConfigSource {
  private final ManagedChannel channel;
  private final ConfigServiceGrpc.ConfigServiceBlockingStub blocking;
  private final ConfigServiceGrpc.ConfigServiceStub async;
  private final String clientName;
  /** The Config Server's progress-interval as it last told it (ms; 0 until it has). */
  private volatile long learnedIntervalMs;

  public ConfigSession(ManagedChannel channel, String clientName) {
    this.channel = channel;
    this.blocking = ConfigServiceGrpc.newBlockingStub(channel);
    this.async = ConfigServiceGrpc.newStub(channel);
    this.clientName = clientName;
  }

  /** What a watch delivers; called on gRPC threads, one call at a time. */
  public interface WatchListener {
    /** Changes in event-id order; {@code replay} while catching up. */
    void onChanges(List<ChangeEvent> events, boolean replay);

    /** Caught up: nothing after {@code headEventId}. */
    void onProgress(long headEventId);

    /** The session cannot be restored; the stream has ended. */
    void onExpired(HistoryLogExpired expired);

    /** The stream ended otherwise (connection lost, server stopping, cancelled). */
    void onBroken(Status status);
  }

  /** A running watch. */
  public interface Watch {
    /** Ends the watch; the listener hears nothing more. */
    void cancel();
  }

  @Override
  public void snapshotBatches(Set<ObjectType> types, Consumer<byte[]> batches, Duration deadline) {
    reconnectNow();
    Iterator<byte[]> stream = ClientCalls.blockingServerStreamingCall(channel, EncodedListObjects.METHOD,
        CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS),
        // As many objects per message as the server allows (a message still closes at 1 MiB):
        // each message costs a hand-over between threads, and a reload's wait is made of them.
        ListObjectsRequest.newBuilder().addAllTypes(types).setBatchSize(MessageLimits.MAX_SNAPSHOT_BATCH).build());
    while (stream.hasNext()) {
      batches.accept(stream.next());
    }
  }

  /**
   * The caller paces its retries with its own backoff; gRPC's channel would otherwise fail calls
   * fast for the rest of its own, much longer, reconnect backoff (up to two minutes).
   */
  private void reconnectNow() {
    channel.resetConnectBackoff();
  }

  @Override
  public ConfigObject get(ObjectType type, String name, Duration deadline) {
    return blocking.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .getObject(GetObjectRequest.newBuilder().setType(type).setName(name).build());
  }

  /**
   * A watch that hears nothing (no change, no progress) for this many of the Config Server's
   * progress intervals is lost: the server is frozen or the link is dead without a reset.
   */
  public static final int SILENT_INTERVALS = 3;
  private static final long SILENCE_CHECK_MS = 100;
  /** A silence check this late means this process itself was paused (a GC pause, SIGSTOP, a stalled VM). */
  private static final long PAUSED_MS = 1000;

  /**
   * Restores the session after {@code afterEventId}; the listener hears everything from now on.
   * Once the Config Server has told its progress-interval (in a progress message, remembered for
   * later watches of this session), {@code timer} checks that something arrives at least every
   * {@link #SILENT_INTERVALS} intervals; if not, the watch is cancelled and reported broken
   * ({@code UNAVAILABLE}, naming the silence).
   */
  @Override
  public Watch watch(long afterEventId, WatchListener listener, ScheduledExecutorService timer) {
    reconnectNow();
    Context.CancellableContext context = Context.current().withCancellation();
    AtomicBoolean over = new AtomicBoolean();
    AtomicLong lastHeard = new AtomicLong(System.nanoTime());
    AtomicLong lastCheck = new AtomicLong(System.nanoTime());
    ScheduledFuture<?> watchdog = timer.scheduleWithFixedDelay(() -> {
      long checkedAt = System.nanoTime();
      if (checkedAt - lastCheck.getAndSet(checkedAt) > TimeUnit.MILLISECONDS.toNanos(PAUSED_MS)) {
        // This check ran late: this process was paused, not the server. What arrived meanwhile
        // is still unread, so the silence starts again from now.
        lastHeard.set(checkedAt);
        return;
      }
      long interval = learnedIntervalMs;
      long silentMs = (checkedAt - lastHeard.get()) / 1_000_000;
      if (interval > 0 && silentMs > SILENT_INTERVALS * interval && over.compareAndSet(false, true)) {
        context.cancel(null);
        listener.onBroken(Status.UNAVAILABLE.withDescription("no change or progress from the Config Server for "
            + silentMs + " ms (" + SILENT_INTERVALS + " x its progress-interval of " + interval + " ms)"));
      }
    }, SILENCE_CHECK_MS, SILENCE_CHECK_MS, TimeUnit.MILLISECONDS);
    Context previous = context.attach();
    try {
      async.watch(WatchRequest.newBuilder().setAfterEventId(afterEventId).setClientName(clientName).build(),
          new StreamObserver<>() {
            /** The id of the last event this watch passed on. */
            private long sent = afterEventId;

            @Override
            public void onNext(WatchResponse response) {
              lastHeard.set(System.nanoTime());
              if (over.get()) {
                return;
              }
              switch (response.getPayloadCase()) {
                case CHANGES -> {
                  List<ChangeEvent> events = response.getChanges().getEventsList();
                  // Ids are gap-free and never reused: an event that is not the next one (a gap, a
                  // repeat, one older than what this watch has) would be applied out of order, or
                  // move the listener past changes it never got. Nothing of such a batch goes on.
                  long expected = sent + 1;
                  for (ChangeEvent event : events) {
                    if (event.getEventId() != expected) {
                      misbehaved("sent event " + event.getEventId() + " where " + expected + " was next");
                      return;
                    }
                    expected++;
                  }
                  sent = expected - 1;
                  listener.onChanges(events, response.getChanges().getReplay());
                }
                case PROGRESS -> {
                  long head = response.getProgress().getHeadEventId();
                  if (head != sent) {
                    misbehaved("said it sent everything up to event " + head + ", and the last it sent is " + sent);
                    return;
                  }
                  if (response.getProgress().getProgressIntervalMs() > 0) {
                    learnedIntervalMs = response.getProgress().getProgressIntervalMs();
                  }
                  listener.onProgress(head);
                }
                case HISTORY_LOG_EXPIRED -> {
                  if (end()) {
                    listener.onExpired(response.getHistoryLogExpired());
                  }
                }
                default -> { }
              }
            }

            @Override
            public void onError(Throwable t) {
              if (end()) {
                listener.onBroken(Status.fromThrowable(t));
              }
            }

            @Override
            public void onCompleted() {
              if (end()) {
                listener.onBroken(Status.UNAVAILABLE.withDescription("the Config Server ended the watch"));
              }
            }

            /** The watch ends, reported broken: the session is restored from what was applied, or from another replica. */
            private void misbehaved(String what) {
              if (end()) {
                context.cancel(null);
                listener.onBroken(Status.UNAVAILABLE.withDescription("the Config Server " + what + " (watch after event "
                    + afterEventId + "); nothing of it was applied"));
              }
            }

            /** The first end of the watch (expiry, error, completion, silence) is the one reported. */
            private boolean end() {
              watchdog.cancel(false);
              return over.compareAndSet(false, true);
            }
          });
    } finally {
      context.detach(previous);
    }
    return () -> {
      over.set(true);
      watchdog.cancel(false);
      context.cancel(null);
    };
  }
}
