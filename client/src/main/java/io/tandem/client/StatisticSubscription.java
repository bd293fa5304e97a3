package io.tandem.client;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.tandem.common.concurrent.Scheduled;
import io.tandem.common.retry.Backoff;
import io.tandem.stat.v1.CloseStatisticRequest;
import io.tandem.stat.v1.NotificationMode;
import io.tandem.stat.v1.OpenStatisticRequest;
import io.tandem.stat.v1.StatServiceGrpc;
import io.tandem.stat.v1.StatisticValue;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An open statistic that follows the pair: when its stream breaks (the member reloads, stops,
 * or is switched to a mode where it does not serve) or goes silent (the member turned suspect,
 * or a periodic statistic missed two periods), it is opened again on the member that serves, and
 * values keep coming. It ends only when the statistic is closed (by the caller, or because its
 * object was deleted) or refused (unknown object, wrong statistic).
 *
 * <p>A re-opened statistic is a new statistic on the other member: totals and averages count
 * from the re-opening (each member keeps its own).
 *
 * <p>Its lock guards its own fields only: what it decides under the lock (cancel a call, mark a
 * member suspect, tell the listener) it does after releasing it, because a suspect member moves
 * every other subscription under that one's lock.
 */
public final class StatisticSubscription implements AutoCloseable {
  /** Called on transport threads, one call at a time per subscription: must not block. */
  public interface Listener {
    void onValue(StatisticValue value);

    /** The statistic ended for good: {@code reason} (e.g. its object was deleted). */
    void onClosed(String reason);

    /** Refused: the request itself is wrong ({@link StatisticSubscription#refusesTheRequest}). */
    void onFailed(Status status);
  }

  private final WarmStandbyClient client;
  private final OpenStatisticRequest request;
  private final Listener listener;
  private final Backoff backoff = new Backoff(Backoff.Policy.RECONNECT);
  /**
   * Refusals for a member's own state (its cap of statistics, an internal error) may last: asked
   * again from 1 s up to every 30 s, not at a reconnect's pace.
   */
  private static final Backoff.Policy REFUSED = new Backoff.Policy(Duration.ofSeconds(1), Duration.ofSeconds(30), 2.0,
      0.2);
  private final Backoff refusedBackoff = new Backoff(REFUSED);
  private final AtomicLong reopens = new AtomicLong();
  private Context.CancellableContext call;
  private PairMember member;
  /** The member whose last answer refused this statistic for its own state (its cap, an error), or null. */
  private PairMember refusedBy;
  private String statisticId = "";
  private boolean closed;
  private boolean openedWithoutValue;
  private long lastValueNanos = System.nanoTime();
  private final ScheduledFuture<?> silenceCheck;

  StatisticSubscription(WarmStandbyClient client, OpenStatisticRequest request, Listener listener) {
    this.client = client;
    this.request = request;
    this.listener = listener;
    long periodMs = request.getNotification().getPeriodSeconds() * 1000L;
    NotificationMode mode = request.getNotification().getMode();
    if ((mode == NotificationMode.PERIODICAL || mode == NotificationMode.RESET) && periodMs > 0) {
      silenceCheck = client.scheduler().scheduleWithFixedDelay(() -> reopenIfSilentFor(2 * periodMs + 1000),
          periodMs, periodMs, TimeUnit.MILLISECONDS);
    } else {
      silenceCheck = null;
    }
  }

  /**
   * The member the statistic is open on turned suspect: open it on {@code destination} now, even
   * if the stalled member answers something before the re-open runs (choosing again then would
   * put it back on the member it was moved off).
   */
  void memberStalled(PairMember stalled, PairMember destination) {
    Context.CancellableContext moved;
    synchronized (this) {
      if (closed || member != stalled || call == null) {
        return;
      }
      moved = call;
      call = null;
      reopens.incrementAndGet();
    }
    moved.cancel(null);
    client.scheduler().execute(() -> open(destination));
  }

  /**
   * A periodic statistic that sent nothing for {@code silentMs} makes its member suspect, which
   * moves every statistic open on it, this one included.
   */
  private void reopenIfSilentFor(long silentMs) {
    PairMember quiet;
    synchronized (this) {
      if (closed || call == null || (System.nanoTime() - lastValueNanos) / 1_000_000 <= silentMs) {
        return;
      }
      quiet = member;
    }
    quiet.markSuspect();
  }

  /** How many times the statistic was opened again after its stream broke. */
  public long reopens() {
    return reopens.get();
  }

  /** Stops its silence check and leaves the client (called once, after {@code closed} was set). */
  private void release() {
    if (silenceCheck != null) {
      silenceCheck.cancel(false);
    }
    client.forget(this);
  }

  /** Opens the statistic on the best member now. */
  void open() {
    List<PairMember> candidates = client.candidates();
    PairMember first = candidates.get(0);
    synchronized (this) {
      if (first == refusedBy && candidates.size() > 1) {
        first = candidates.get(1);
      }
      refusedBy = null;
    }
    open(first);
  }

  private void open(PairMember target) {
    Context.CancellableContext context;
    synchronized (this) {
      if (closed) {
        return;
      }
      context = Context.current().withCancellation();
      lastValueNanos = System.nanoTime();
      member = target;
      statisticId = "";
      call = context;
    }
    // Started outside the lock: a call closed or moved meanwhile finds its context cancelled.
    context.run(() -> StatServiceGrpc.newStub(target.channel).openStatistic(request, new StreamObserver<>() {
      private String closedReason;

      @Override
      public void onNext(StatisticValue value) {
        synchronized (StatisticSubscription.this) {
          if (closed || call != context) {
            return;
          }
          statisticId = value.getStatisticId();
          openedWithoutValue = false;
          lastValueNanos = System.nanoTime();
          backoff.reset();
          refusedBackoff.reset();
        }
        target.answered();
        if (!value.getClosedReason().isEmpty()) {
          closedReason = value.getClosedReason();
        }
        listener.onValue(value);
      }

      @Override
      public void onError(Throwable t) {
        Status status = Status.fromThrowable(t);
        if (status.getCode() == Status.Code.UNAVAILABLE) {
          target.markNotServing(); // before the re-open chooses a member
        }
        boolean refused = refusesTheRequest(status);
        // It serves, yet not this statistic: the other member is asked first, and later.
        PairMember refusing = refused || WarmStandbyClient.worthAnotherMember(status) ? null : target;
        if (endOfStream(context, !refused, refusing) && refused) {
          release();
          listener.onFailed(status);
        }
      }

      @Override
      public void onCompleted() {
        if (endOfStream(context, closedReason == null, null) && closedReason != null) {
          release();
          listener.onClosed(closedReason);
        }
      }
    }));
  }

  /**
   * The stream of {@code context} ended: opened again later if {@code reopen}, else the
   * subscription ends (the caller releases it and tells the listener).
   *
   * @return false if the stream no longer mattered (closed, or already moved elsewhere)
   */
  private synchronized boolean endOfStream(Context.CancellableContext context, boolean reopen, PairMember refusing) {
    if (closed || call != context) {
      return false;
    }
    call = null;
    refusedBy = refusing;
    if (reopen) {
      reopenLater();
    } else {
      closed = true;
    }
    return true;
  }

  /**
   * Whether {@code status} says the request itself is wrong, so opening it again anywhere gets the
   * same answer. Any other end (a member at its cap of statistics per connection, an internal
   * error) is the member's state: the statistic opens again, with backoff, on whichever serves.
   */
  static boolean refusesTheRequest(Status status) {
    return switch (status.getCode()) {
      case NOT_FOUND, INVALID_ARGUMENT, PERMISSION_DENIED, UNAUTHENTICATED, UNIMPLEMENTED -> true;
      default -> false;
    };
  }

  /** The first re-open is immediate (the other member likely serves); more in a row back off. */
  private void reopenLater() {
    reopens.incrementAndGet();
    Duration delay = refusedBy != null ? refusedBackoff.nextDelay()
        : openedWithoutValue ? backoff.nextDelay() : Duration.ZERO;
    openedWithoutValue = true;
    Scheduled.after(client.scheduler(), "open statistic", delay, this::open);
  }

  /** Closes the statistic on the member that has it and ends the stream. */
  @Override
  public void close() {
    PairMember current;
    String id;
    Context.CancellableContext ending;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      current = member;
      id = statisticId;
      ending = call;
      call = null;
    }
    release();
    if (ending != null) {
      ending.cancel(null);
    }
    if (current != null && !id.isEmpty()) {
      try {
        StatServiceGrpc.newBlockingStub(current.channel).withDeadlineAfter(1, TimeUnit.SECONDS)
            .closeStatistic(CloseStatisticRequest.newBuilder().setStatisticId(id).build());
      } catch (StatusRuntimeException e) {
        // The member already forgot it (the stream ended when the call was cancelled).
      }
    }
  }
}
