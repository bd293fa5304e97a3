package io.tandem.statserver.api;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.tandem.common.bootstrap.HealthState;
import io.tandem.stat.v1.StatServiceGrpc;
import java.util.Set;

/**
 * Client calls fail fast with UNAVAILABLE and the reason while this server does not accept
 * clients (loading or reloading, or backup with accept-clients-in-backup-mode = no), so a
 * client moves to the other member at once. The event feed and server info always pass.
 */
final class ReadinessGate implements ServerInterceptor {
  private static final Set<String> GATED = Set.of(
      StatServiceGrpc.getOpenStatisticMethod().getFullMethodName(),
      StatServiceGrpc.getGetStatisticMethod().getFullMethodName(),
      StatServiceGrpc.getCloseStatisticMethod().getFullMethodName());

  private final HealthState health;

  ReadinessGate(HealthState health) {
    this.health = health;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (GATED.contains(call.getMethodDescriptor().getFullMethodName()) && !health.serving()) {
      call.close(Status.UNAVAILABLE.withDescription("not accepting clients: " + health.reason()), new Metadata());
      return new ServerCall.Listener<>() { };
    }
    return next.startCall(call, headers);
  }
}
