package io.tandem.client;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.tandem.common.concurrent.Scheduled;
import io.tandem.common.grpc.Channels;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TransportSecurity;
import io.tandem.common.retry.Backoff;
import io.tandem.stat.v1.GetServerInfoRequest;
import io.tandem.stat.v1.Role;
import io.tandem.stat.v1.StatServiceGrpc;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * One member of a pair as a client sees it: its channel, whether it serves (pushed by a
 * {@code grpc.health.v1} Watch stream, so a member that stops serving is known at once), its role
 * (read every second from its server info), and whether it is <em>suspect</em>: a hedged call was
 * answered by the other member first, a caller's deadline passed before it answered, or it
 * <em>stalled</em> (let an attempt or a liveness check go unanswered until its own deadline). A
 * frozen process keeps its connections open and its health watch never changes, so only silence
 * gives it away; a suspect member is tried last until it answers something again.
 */
final class PairMember implements AutoCloseable {
  private static final Duration ROLE_POLL = Duration.ofSeconds(1);
  /** A Check every this often finds a member gone silent even when no call goes to it. */
  static final Duration LIVENESS_PERIOD = Duration.ofMillis(250);
  /** A Check unanswered this long makes the member suspect. */
  static final Duration LIVENESS_DEADLINE = Duration.ofMillis(500);

  final HostPort address;
  final ManagedChannel channel;
  private final ScheduledExecutorService scheduler;
  private final Consumer<PairMember> onSuspect;
  private final Backoff backoff = new Backoff(Backoff.Policy.RECONNECT);
  private final AtomicBoolean livenessInFlight = new AtomicBoolean();
  private final LongAdder firstChoice = new LongAdder();
  private final LongAdder hedges = new LongAdder();
  private final LongAdder unanswered = new LongAdder();
  private volatile boolean serving;
  private volatile boolean suspect;
  /** Suspect because it let something go unanswered until its deadline (not merely slower than the other). */
  private volatile boolean stalled;
  private volatile Role role = Role.ROLE_UNSPECIFIED;
  private volatile boolean closed;
  /** Completed the first time the member says it serves. */
  final CompletableFuture<Void> servedOnce = new CompletableFuture<>();
  /** The health watch's context: cancelled on close, or the channel's orderly shutdown would wait for it. */
  private final Context.CancellableContext watches = Context.current().withCancellation();

  /** @param onSuspect told (on a transport thread) when the member turns suspect */
  PairMember(WarmStandbyClient.Member member, TransportSecurity security, ScheduledExecutorService scheduler,
      Consumer<PairMember> onSuspect) {
    this.address = member.address();
    this.channel = Channels.openForNonBlockingCallbacks(address, ServerIdentity.of(member.application()), security);
    this.scheduler = scheduler;
    this.onSuspect = onSuspect;
  }

  void start() {
    watchHealth();
    Scheduled.repeat(scheduler, "read role", Duration.ZERO, ROLE_POLL, this::readRole);
    Scheduled.repeat(scheduler, "check liveness", LIVENESS_PERIOD, LIVENESS_PERIOD, this::checkLiveness);
  }

  boolean serving() {
    return serving;
  }

  boolean suspect() {
    return suspect;
  }

  boolean primary() {
    return role == Role.PRIMARY || role == Role.STANDALONE;
  }

  /** The member said it does not serve (UNAVAILABLE): believe it until its health says otherwise. */
  void markNotServing() {
    serving = false;
  }

  /** The member was slower than the other one, or than a caller waits: try it last for now. */
  void markSlow() {
    suspect = true;
  }

  /**
   * The member let something go unanswered until its own deadline (not a caller's shorter one): it
   * is stalled, not just slow, so open statistics move away from it too.
   */
  void markSuspect() {
    if (closed) {
      return;
    }
    stalled = true;
    suspect = true;
    onSuspect.accept(this);
  }

  /** It let an attempt or a liveness check go unanswered until its own deadline, and has not answered since. */
  boolean stalled() {
    return stalled;
  }

  /** A GetStatistic attempt was sent to it, as the call's first choice or as a hedge. */
  void attempted(boolean hedge) {
    (hedge ? hedges : firstChoice).increment();
  }

  /** A GetStatistic attempt on it hit its deadline (its own or the caller's), and what that says of it is noted. */
  void leftUnanswered() {
    unanswered.increment();
  }

  MemberCalls calls() {
    return new MemberCalls(address, firstChoice.sum(), hedges.sum(), unanswered.sum());
  }

  /** The member answered something: it is not frozen. */
  void answered() {
    stalled = false;
    suspect = false;
  }

  private void watchHealth() {
    if (closed) {
      return;
    }
    channel.resetConnectBackoff();
    watches.run(() -> HealthGrpc.newStub(channel).watch(HealthCheckRequest.newBuilder().setService("").build(),
        new StreamObserver<>() {
          @Override
          public void onNext(HealthCheckResponse response) {
            backoff.reset();
            answered();
            serving = response.getStatus() == HealthCheckResponse.ServingStatus.SERVING;
            if (serving) {
              servedOnce.complete(null);
            }
          }

          @Override
          public void onError(Throwable t) {
            serving = false;
            if (!closed && Status.fromThrowable(t).getCode() != Status.Code.CANCELLED) {
              Scheduled.after(scheduler, "watch health", backoff.nextDelay(), PairMember.this::watchHealth);
            }
          }

          @Override
          public void onCompleted() {
            serving = false;
            if (!closed) {
              Scheduled.after(scheduler, "watch health", backoff.nextDelay(), PairMember.this::watchHealth);
            }
          }
        }));
  }

  /** One Check at a time: answered, the member is alive; unanswered past its deadline, suspect. */
  private void checkLiveness() {
    if (closed || !livenessInFlight.compareAndSet(false, true)) {
      return;
    }
    HealthGrpc.newStub(channel).withDeadlineAfter(LIVENESS_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
        .check(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
          @Override
          public void onNext(HealthCheckResponse response) {
            answered();
            serving = response.getStatus() == HealthCheckResponse.ServingStatus.SERVING;
          }

          @Override
          public void onError(Throwable t) {
            livenessInFlight.set(false);
            Status.Code code = Status.fromThrowable(t).getCode();
            if (code == Status.Code.DEADLINE_EXCEEDED) {
              markSuspect();
            } else if (code == Status.Code.UNAVAILABLE) {
              serving = false;
            }
          }

          @Override
          public void onCompleted() {
            livenessInFlight.set(false);
          }
        });
  }

  private void readRole() {
    if (closed) {
      return;
    }
    try {
      role = StatServiceGrpc.newBlockingStub(channel).withDeadlineAfter(500, TimeUnit.MILLISECONDS)
          .getServerInfo(GetServerInfoRequest.getDefaultInstance()).getRole();
      answered();
    } catch (StatusRuntimeException e) {
      role = Role.ROLE_UNSPECIFIED;
    }
  }

  @Override
  public void close() {
    closed = true;
    watches.cancel(null);
    Channels.close(channel, Duration.ofSeconds(1));
  }

  @Override
  public String toString() {
    return address.toString();
  }
}
