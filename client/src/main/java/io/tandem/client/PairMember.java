package io.tandem.client;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.tandem.common.grpc.Channels;
import io.tandem.common.grpc.HostPort;
import io.tandem.common.retry.Backoff;
import io.tandem.stat.v1.GetServerInfoRequest;
import io.tandem.stat.v1.Role;
import io.tandem.stat.v1.StatServiceGrpc;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One member of a pair as a client sees it: its channel, whether it serves (pushed by a
 * {@code grpc.health.v1} Watch stream, so a member that stops serving is known at once) and its
 * role (read every second from its server info).
 */
final class PairMember implements AutoCloseable {
  private static final Duration ROLE_POLL = Duration.ofSeconds(1);

  final HostPort address;
  final ManagedChannel channel;
  private final ScheduledExecutorService scheduler;
  private final Backoff backoff = new Backoff(Backoff.Policy.RECONNECT);
  private volatile boolean serving;
  private volatile Role role = Role.ROLE_UNSPECIFIED;
  private volatile boolean closed;

  PairMember(HostPort address, ScheduledExecutorService scheduler) {
    this.address = address;
    this.channel = Channels.openForNonBlockingCallbacks(address);
    this.scheduler = scheduler;
  }

  void start() {
    watchHealth();
    scheduler.scheduleWithFixedDelay(this::readRole, 0, ROLE_POLL.toMillis(), TimeUnit.MILLISECONDS);
  }

  boolean serving() {
    return serving;
  }

  boolean primary() {
    return role == Role.PRIMARY || role == Role.STANDALONE;
  }

  /** The member said it does not serve (UNAVAILABLE): believe it until its health says otherwise. */
  void markNotServing() {
    serving = false;
  }

  private void watchHealth() {
    if (closed) {
      return;
    }
    channel.resetConnectBackoff();
    HealthGrpc.newStub(channel).watch(HealthCheckRequest.newBuilder().setService("").build(), new StreamObserver<>() {
      @Override
      public void onNext(HealthCheckResponse response) {
        backoff.reset();
        serving = response.getStatus() == HealthCheckResponse.ServingStatus.SERVING;
      }

      @Override
      public void onError(Throwable t) {
        serving = false;
        if (!closed && Status.fromThrowable(t).getCode() != Status.Code.CANCELLED) {
          scheduler.schedule(PairMember.this::watchHealth, backoff.nextDelay().toMillis(), TimeUnit.MILLISECONDS);
        }
      }

      @Override
      public void onCompleted() {
        serving = false;
        if (!closed) {
          scheduler.schedule(PairMember.this::watchHealth, backoff.nextDelay().toMillis(), TimeUnit.MILLISECONDS);
        }
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
    } catch (StatusRuntimeException e) {
      role = Role.ROLE_UNSPECIFIED;
    }
  }

  @Override
  public void close() {
    closed = true;
    Channels.close(channel, Duration.ofSeconds(1));
  }

  @Override
  public String toString() {
    return address.toString();
  }
}
