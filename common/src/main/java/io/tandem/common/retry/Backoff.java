package io.tandem.common.retry;

import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Jittered exponential backoff for reconnect loops: the n-th consecutive failure waits
 * {@code min(max, initial * multiplier^(n-1) * (1 ± jitter))}; a success resets the count.
 *
 * <p>The exponential arithmetic is resilience4j's {@link IntervalFunction}, the jitter drawn as
 * resilience4j draws it but from a generator the caller may give (the simulator gives a seeded
 * one, so a run replays). This class adds the attempt counter a long-lived connection needs.
 * Not thread-safe: one per reconnect loop.
 */
public final class Backoff {
  /** Past this many doublings every policy has reached its maximum; IntervalFunction iterates per attempt. */
  private static final int ATTEMPT_CAP = 64;

  /** Jitter from the calling thread's own generator: what a server's reconnect loops use. */
  public static final RandomGenerator THREAD_LOCAL_RANDOM = () -> ThreadLocalRandom.current().nextLong();

  private final Policy policy;
  private final IntervalFunction intervals;
  private final RandomGenerator random;
  private int failures;

  /** The shape of a backoff; immutable and shareable. */
  public record Policy(Duration initial, Duration max, double multiplier, double jitter) {
    /**
     * Reconnects to Tandem services: 50 ms, doubling, up to 500 ms, ±20 %. The cap is low on
     * purpose: a pair must notice a returning Config Server or Management Layer within about
     * half a second, and a handful of clients retrying twice a second costs nothing.
     */
    public static final Policy RECONNECT = new Policy(Duration.ofMillis(50), Duration.ofMillis(500), 2.0, 0.2);

    public Policy {
      if (initial.isNegative() || initial.isZero()) {
        throw new IllegalArgumentException("initial must be positive: " + initial);
      }
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException("max " + max + " is below initial " + initial);
      }
      if (multiplier < 1.0) {
        throw new IllegalArgumentException("multiplier must be at least 1: " + multiplier);
      }
      if (jitter < 0.0 || jitter >= 1.0) {
        throw new IllegalArgumentException("jitter must be in [0, 1): " + jitter);
      }
    }
  }

  public Backoff(Policy policy) {
    this(policy, THREAD_LOCAL_RANDOM);
  }

  /** With the jitter drawn from {@code random}. */
  public Backoff(Policy policy, RandomGenerator random) {
    this.policy = policy;
    this.intervals = IntervalFunction.ofExponentialBackoff(policy.initial().toMillis(), policy.multiplier());
    this.random = random;
  }

  /** Records a failure and returns how long to wait before the next attempt. */
  public Duration nextDelay() {
    failures = failures == Integer.MAX_VALUE ? failures : failures + 1;
    double interval = intervals.apply(Math.min(failures, ATTEMPT_CAP));
    double delta = policy.jitter() * interval;
    double low = interval - delta;
    long jittered = (long) Math.max(1, low + random.nextDouble() * (2 * delta + 1));
    return Duration.ofMillis(Math.min(jittered, policy.max().toMillis()));
  }

  /** Records a success: the next failure waits the initial interval again. */
  public void reset() {
    failures = 0;
  }

  /** Consecutive failures since the last success. */
  public int failures() {
    return failures;
  }

  public Policy policy() {
    return policy;
  }
}
