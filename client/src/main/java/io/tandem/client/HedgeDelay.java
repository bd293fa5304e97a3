package io.tandem.client;

import java.time.Duration;
import java.util.Arrays;

/**
 * How long a call waits for an answer before it is also sent to the other member (a hedged
 * request, as in Dean and Barroso's "The Tail at Scale"): twice the 95th percentile of the
 * latest answers, within {@link #MIN}..{@link #MAX}. A member that is slower than usual gets a
 * second chance elsewhere after about what the slowest normal calls take, so hedging costs a few
 * extra calls in a hundred, not one per call. Thread-safe.
 */
final class HedgeDelay {
  static final Duration MIN = Duration.ofMillis(10);
  static final Duration MAX = Duration.ofMillis(100);
  /** Before any answer was seen. */
  static final Duration INITIAL = Duration.ofMillis(20);
  private static final int WINDOW = 64;

  private final long[] latencies = new long[WINDOW];
  private int count;
  private int next;
  private long current = INITIAL.toNanos();

  /** An answer came after {@code nanos}. */
  synchronized void answered(long nanos) {
    latencies[next] = nanos;
    next = (next + 1) % WINDOW;
    count = Math.min(count + 1, WINDOW);
    if (next % 8 == 0 || count < WINDOW) {
      long[] sorted = Arrays.copyOf(latencies, count);
      Arrays.sort(sorted);
      long p95 = sorted[Math.min(count - 1, (int) Math.ceil(0.95 * count) - 1)];
      current = Math.max(MIN.toNanos(), Math.min(MAX.toNanos(), 2 * p95));
    }
  }

  synchronized long nanos() {
    return current;
  }
}
