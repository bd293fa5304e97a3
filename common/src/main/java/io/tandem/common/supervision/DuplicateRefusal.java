package io.tandem.common.supervision;

import io.grpc.Metadata;
import java.time.Duration;

/**
 * What the Management Layer's refusal of a second instance ({@code ALREADY_EXISTS}) carries
 * besides its message: how long the refused process should keep asking before it takes the
 * refusal for final. The instance that looks alive may be a frozen process or one behind a
 * half-open connection; within that time the Management Layer finds such an instance hung or
 * lost, and then accepts the new one.
 */
public final class DuplicateRefusal {
  static final Metadata.Key<String> RETRY_FOR_MS = Metadata.Key.of("tandem-retry-for-ms", Metadata.ASCII_STRING_MARSHALLER);

  private DuplicateRefusal() {}

  /** The trailers of a refusal whose process should keep asking for {@code retryFor}. */
  public static Metadata trailers(Duration retryFor) {
    Metadata trailers = new Metadata();
    trailers.put(RETRY_FOR_MS, Long.toString(retryFor.toMillis()));
    return trailers;
  }

  /** How long to keep asking, as the refusal's {@code trailers} say; zero when they do not say. */
  public static Duration retryFor(Metadata trailers) {
    String value = trailers == null ? null : trailers.get(RETRY_FOR_MS);
    if (value == null) {
      return Duration.ZERO;
    }
    try {
      return Duration.ofMillis(Math.max(0, Long.parseLong(value)));
    } catch (NumberFormatException e) {
      return Duration.ZERO;
    }
  }
}
