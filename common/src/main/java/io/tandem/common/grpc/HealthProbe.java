package io.tandem.common.grpc;

import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** One {@code grpc.health.v1} Check with a deadline. */
public final class HealthProbe {
  private HealthProbe() {}

  /** What a probe found: the status, or why there is none. */
  public record Result(ServingStatus status, String error) {
    public boolean serving() {
      return status == ServingStatus.SERVING;
    }

    /** "SERVING", "NOT_SERVING", or "UNREACHABLE (the error)". */
    public String describe() {
      return error == null ? status.name() : "UNREACHABLE (" + error + ")";
    }
  }

  /**
   * Checks {@code service} ("" for the whole server) on {@code channel}. Never throws for an
   * unreachable or failing server: the result says what happened.
   */
  public static Result check(Channel channel, String service, Duration deadline) {
    try {
      ServingStatus status = HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
          .check(HealthCheckRequest.newBuilder().setService(service).build())
          .getStatus();
      return new Result(status, null);
    } catch (StatusRuntimeException e) {
      String description = e.getStatus().getDescription();
      return new Result(ServingStatus.UNKNOWN,
          e.getStatus().getCode() + (description == null ? "" : ": " + description));
    }
  }
}
