package io.tandem.client;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.concurrent.Scheduled;
import io.tandem.common.config.Names;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.security.RandomIds;
import io.tandem.common.security.TransportSecurity;
import io.tandem.stat.v1.GetStatisticRequest;
import io.tandem.stat.v1.OpenStatisticRequest;
import io.tandem.stat.v1.StatServiceGrpc;
import io.tandem.stat.v1.StatisticValue;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A routing client's view of a Stat Server pair: calls go to the member that serves (the
 * primary preferred); {@code UNAVAILABLE} or a broken stream moves the call to the other member
 * inside the caller's deadline; open statistics are re-opened on the member that serves; the
 * event feed goes to both members. Its promise: a client sees no failed call while the pair
 * reloads in protected mode, switches over, or one member freezes. Thread-safe.
 *
 * <p>A member that stalls (an attempt or a liveness check unanswered until its own deadline) is
 * <em>suspect</em> and tried last until it answers again, so one stall costs one attempt, not one
 * per call; a call not answered within the {@link HedgeDelay hedge delay} is sent to the other
 * serving member too, unless that one stalled, and the first answer wins. An attempt cut short by
 * the caller's shorter deadline only makes its member tried last: it moves no open statistic and
 * stops no hedge.
 *
 * <p>Its channels run callbacks on the transport's event loop: futures complete and
 * subscription listeners are called there, so what runs on them must not block.
 */
public final class WarmStandbyClient implements AutoCloseable {
  /** One attempt on one member never takes longer than this, so a hung member cannot eat the deadline. */
  static final Duration ATTEMPT = Duration.ofMillis(500);
  /** Pause after every member refused a call, growing to at most {@link #MAX_PAUSE}. */
  private static final long FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
  private static final long MAX_PAUSE = TimeUnit.MILLISECONDS.toNanos(50);

  private final List<PairMember> members;
  private final ScheduledExecutorService scheduler =
      Executors.newScheduledThreadPool(2, new DaemonThreadFactory("warm-standby"));
  private final HedgeDelay hedgeDelay = new HedgeDelay();
  private final Set<StatisticSubscription> subscriptions = ConcurrentHashMap.newKeySet();

  /**
   * One member of the pair: its application's name, which its certificate must prove, and its
   * client port.
   */
  public record Member(String application, HostPort address) {
    public Member {
      if (application == null || application.isBlank()) {
        throw new IllegalArgumentException("a pair member needs its application's name");
      }
      java.util.Objects.requireNonNull(address, "address");
    }
  }

  /**
   * A client of the pair {@code first} and {@code second}, calling with {@code security} (mutual
   * TLS as the {@code client} identity, typically; the caller owns it and closes it after this
   * client). A member whose certificate is not its application's is never called.
   */
  public WarmStandbyClient(Member first, Member second, TransportSecurity security) {
    this.members = List.of(new PairMember(first, security, scheduler, this::stalled),
        new PairMember(second, security, scheduler, this::stalled));
    members.forEach(PairMember::start);
  }

  /**
   * Waits until a member serves — its connection is up (TLS handshake done) and its health says
   * {@code SERVING} — as a routing client does before it takes calls, so that its first calls do
   * not pay for connecting.
   *
   * @return false if no member served within {@code timeout}
   */
  public boolean awaitServing(Duration timeout) throws InterruptedException {
    try {
      CompletableFuture.anyOf(members.stream().map(m -> m.servedOnce).toArray(CompletableFuture[]::new))
          .get(Nanos.left(timeout), TimeUnit.NANOSECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /**
   * The current value of a statistic (by object and type), from whichever member serves.
   *
   * @throws StatusRuntimeException NOT_FOUND / INVALID_ARGUMENT at once; UNAVAILABLE or
   *     DEADLINE_EXCEEDED only when no member answered within {@code deadline}
   */
  public StatisticValue getStatistic(GetStatisticRequest request, Duration deadline) {
    try {
      return getStatisticAsync(request, deadline).join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof StatusRuntimeException sre ? sre : e;
    }
  }

  /**
   * {@link #getStatistic} without blocking: the future completes on a transport thread (keep
   * what runs on it short), exceptionally with a {@link StatusRuntimeException}. Called inside a
   * gRPC call with a sooner deadline (its {@link Context}), that deadline is the call's; should
   * that call be cancelled, this one ends too, with its status.
   */
  public CompletableFuture<StatisticValue> getStatisticAsync(GetStatisticRequest request, Duration deadline) {
    long now = System.nanoTime();
    long left = Nanos.left(Objects.requireNonNull(deadline, "deadline"));
    // Called while serving a gRPC call of its own, the caller's deadline may be that call's: gRPC
    // would cut the attempts short there anyway, and the attempts must know whose deadline ends them.
    Context caller = Context.current();
    Deadline inherited = caller.getDeadline();
    if (inherited != null) {
      left = Math.min(left, Math.max(0, inherited.timeRemaining(TimeUnit.NANOSECONDS)));
    }
    GetAttempts attempts = new GetAttempts(request, now + left, caller);
    attempts.next();
    return attempts.result;
  }

  /**
   * One GetStatistic: members tried best first; an attempt unanswered after the hedge delay is
   * joined by one on the next serving member; rounds repeat with a growing pause after every
   * member refused, until the deadline.
   */
  private final class GetAttempts {
    final CompletableFuture<StatisticValue> result = new CompletableFuture<>();
    private final GetStatisticRequest request;
    private final long end;
    /** What the call was made in: once it is cancelled, no attempt is worth making. */
    private final Context caller;
    private List<PairMember> round = candidates();
    private int index;
    private int outstanding;
    /** Members with an attempt in flight, and when each started. */
    private final java.util.Map<PairMember, Long> inFlight = new java.util.HashMap<>();
    private long pause = FIRST_PAUSE_NANOS;
    private StatusRuntimeException last;

    GetAttempts(GetStatisticRequest request, long end, Context caller) {
      this.request = request;
      this.end = end;
      this.caller = caller;
    }

    /** Starts the next attempt of this round, or the next round once every attempt of this one failed. */
    synchronized void next() {
      if (result.isDone()) {
        return;
      }
      Status cancelled = Contexts.statusFromCancelled(caller);
      if (cancelled != null) {
        result.completeExceptionally(cancelled.asRuntimeException());
        return;
      }
      long remaining = end - System.nanoTime();
      if (remaining <= 0) {
        result.completeExceptionally(last != null ? last
            : Status.DEADLINE_EXCEEDED.withDescription("no member answered").asRuntimeException());
        return;
      }
      if (index == round.size()) {
        if (outstanding > 0) {
          return; // an attempt of this round may still answer
        }
        round = candidates();
        index = 0;
        long wait = Math.min(pause, remaining);
        pause = Math.min(pause * 2, MAX_PAUSE);
        Scheduled.after(scheduler, "next attempt", Duration.ofNanos(wait), this::next);
        return;
      }
      attempt(round.get(index++), remaining, false);
    }

    private void attempt(PairMember member, long remaining, boolean hedge) {
      outstanding++;
      member.attempted(hedge);
      long started = System.nanoTime();
      inFlight.put(member, started);
      long hedgeAfter = hedgeDelay.nanos();
      if (hedgeAfter < remaining) {
        Scheduled.after(scheduler, "hedge", Duration.ofNanos(hedgeAfter), this::hedge);
      }
      // Cut short by the caller's deadline, an attempt proves only that the member was slower than
      // this caller waits, not that it stalled.
      boolean ownDeadline = remaining >= ATTEMPT.toNanos();
      StatServiceGrpc.newStub(member.channel)
          .withDeadlineAfter(Math.min(remaining, ATTEMPT.toNanos()), TimeUnit.NANOSECONDS)
          .getStatistic(request, new StreamObserver<>() {
            private StatisticValue value;

            @Override
            public void onNext(StatisticValue v) {
              value = v;
            }

            @Override
            public void onError(Throwable t) {
              failed(member, Status.fromThrowable(t), ownDeadline);
            }

            @Override
            public void onCompleted() {
              member.answered();
              hedgeDelay.answered(System.nanoTime() - started);
              succeeded(member);
            }

            private void succeeded(PairMember winner) {
              synchronized (GetAttempts.this) {
                inFlight.remove(winner);
                if (result.complete(value)) {
                  // Whoever is still silent lost a hedge: try it last until it answers (its attempt
                  // goes on, and an answer, however late, clears it).
                  inFlight.keySet().forEach(PairMember::markSlow);
                }
              }
            }
          });
    }

    /**
     * No answer yet: the next member of the round is asked too, if it serves and has not stalled. A
     * stalled member would only hold one more attempt, once per call while the other is slow; one
     * that merely lost a hedge is asked, as it is what answers should the member tried first freeze.
     */
    private synchronized void hedge() {
      if (result.isDone() || index >= round.size()) {
        return;
      }
      PairMember next = round.get(index);
      if (next.serving() && !next.stalled()) {
        index++;
        attempt(next, end - System.nanoTime(), true);
      }
    }

    private void failed(PairMember member, Status status, boolean ownDeadline) {
      // Outside this call's lock: a suspect member moves the statistics open on it, under theirs.
      if (status.getCode() == Status.Code.UNAVAILABLE) {
        member.markNotServing();
      } else if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
        if (ownDeadline) {
          member.markSuspect();
        } else {
          member.markSlow();
        }
        member.leftUnanswered();
      }
      attemptEnded(member, status);
    }

    private synchronized void attemptEnded(PairMember member, Status status) {
      outstanding--;
      inFlight.remove(member);
      if (!worthAnotherMember(status)) {
        result.completeExceptionally(status.asRuntimeException());
        return;
      }
      last = status.asRuntimeException();
      if (outstanding == 0) {
        next();
      }
    }
  }

  /** How GetStatistic attempts went to each member so far, in the order the members were given. */
  public List<MemberCalls> callsByMember() {
    return members.stream().map(PairMember::calls).toList();
  }

  /** Opens a statistic on the member that serves; it follows the pair from then on. */
  public StatisticSubscription openStatistic(OpenStatisticRequest request, StatisticSubscription.Listener listener) {
    StatisticSubscription subscription = new StatisticSubscription(this, request, listener);
    subscriptions.add(subscription);
    subscription.open();
    return subscription;
  }

  /** A stream of contact-center events to both members, exactly once, as a new producer (a random id of 128 bits). */
  public FeedPublisher feed() {
    return feed(RandomIds.next("producer-"));
  }

  /**
   * A stream of contact-center events to both members, exactly once, as producer {@code producerId}
   * (members remember the last batch applied per producer id: a new publisher needs a new id), with
   * the default buffer ({@link FeedPublisher#DEFAULT_BUFFER_BYTES}) and publish timeout.
   */
  public FeedPublisher feed(String producerId) {
    return feed(producerId, FeedPublisher.DEFAULT_BUFFER_BYTES, FeedPublisher.DEFAULT_PUBLISH_TIMEOUT);
  }

  /**
   * As {@link #feed(String)}, with {@code bufferBytes} of batches waiting for acknowledgement at most.
   *
   * @throws IllegalArgumentException if {@code producerId} is no name (empty, control characters,
   *     over 255 characters): members would apply an empty one's batches as they come, again after
   *     every broken stream, and refuse the others
   */
  public FeedPublisher feed(String producerId, long bufferBytes, Duration publishTimeout) {
    Names.problem(producerId).ifPresent(problem -> {
      throw new IllegalArgumentException("producerId: " + problem);
    });
    return new FeedPublisher(members, scheduler, producerId, bufferBytes, publishTimeout);
  }

  /** Members to try, best first: serving primary, other serving, suspect, then the rest. */
  List<PairMember> candidates() {
    List<PairMember> ordered = new ArrayList<>(members);
    ordered.sort((a, b) -> Integer.compare(rank(a), rank(b)));
    return ordered;
  }

  private static int rank(PairMember m) {
    if (!m.serving()) {
      return 3;
    }
    return m.suspect() ? 2 : m.primary() ? 0 : 1;
  }

  /**
   * A member turned suspect: statistics open on it move to the other member, if that one serves
   * and is not suspect itself. The destination is chosen once, here: the stalled member may answer
   * a liveness check before every move is done, and is no longer suspect then.
   */
  private void stalled(PairMember member) {
    members.stream().filter(m -> m != member && m.serving() && !m.suspect()).findFirst()
        .ifPresent(destination -> subscriptions.forEach(s -> s.memberStalled(member, destination)));
  }

  void forget(StatisticSubscription subscription) {
    subscriptions.remove(subscription);
  }

  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  /** Failures that another member (or the same one a moment later) may not have. */
  static boolean worthAnotherMember(Status status) {
    return switch (status.getCode()) {
      case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, ABORTED -> true;
      default -> false;
    };
  }

  @Override
  public void close() {
    subscriptions.forEach(StatisticSubscription::close);
    scheduler.shutdownNow();
    members.forEach(PairMember::close);
  }
}
