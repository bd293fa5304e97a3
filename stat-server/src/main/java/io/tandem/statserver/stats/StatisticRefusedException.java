package io.tandem.statserver.stats;

import io.grpc.Status;

/** A statistic request that names an unknown object, or a statistic that does not apply to it. */
public final class StatisticRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Status status;

  StatisticRefusedException(Status.Code code, String message) {
    super(message, null, false, false);
    this.status = Status.fromCode(code).withDescription(message);
  }

  public Status status() {
    return status;
  }
}
