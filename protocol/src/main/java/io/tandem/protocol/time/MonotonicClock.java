package io.tandem.protocol.time;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock that reads the wall clock once and then counts {@link System#nanoTime}: what measures a
 * span (how long a refusal has lasted, how long a load took) must not jump when the system's time
 * is stepped. Its instants drift from the wall clock as the two tick apart; use it for spans, not
 * for timestamps shown to people.
 */
public final class MonotonicClock extends Clock {
  private final Instant origin;
  private final long originNanos;
  private final ZoneId zone;

  private MonotonicClock(Instant origin, long originNanos, ZoneId zone) {
    this.origin = origin;
    this.originNanos = originNanos;
    this.zone = zone;
  }

  /** A clock that starts at the wall clock's instant now, in UTC. */
  public static MonotonicClock startingNow() {
    return new MonotonicClock(Instant.now(), System.nanoTime(), ZoneOffset.UTC);
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  @Override
  public Clock withZone(ZoneId other) {
    return new MonotonicClock(origin, originNanos, other);
  }

  @Override
  public Instant instant() {
    return origin.plusNanos(System.nanoTime() - originNanos);
  }
}
