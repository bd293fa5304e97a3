package io.tandem.client;

import java.time.Duration;

/** Durations a caller passes, in nanoseconds for {@link System#nanoTime} arithmetic. */
final class Nanos {
  private static final Duration LONGEST = Duration.ofNanos(Long.MAX_VALUE);

  private Nanos() {}

  /**
   * {@code duration} in nanoseconds, from 0 (a duration that has passed) to {@link Long#MAX_VALUE}
   * (one longer than about 292 years, which {@link Duration#toNanos} cannot hold: a caller's way of
   * saying "no limit"). Added to {@code System.nanoTime()} it may wrap; {@code end - now} is still
   * the time left.
   */
  static long left(Duration duration) {
    if (duration.isNegative()) {
      return 0;
    }
    return duration.compareTo(LONGEST) >= 0 ? Long.MAX_VALUE : duration.toNanos();
  }
}
