package io.tandem.management.leader;

import jakarta.inject.Inject;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Option {@code [management] leader-lease} as configured now; each campaign takes the value of its
 * time. Null until the configuration is first read: a Management Layer does not campaign before
 * it knows its lease, nor could it decide anything without the pairs.
 */
public final class LeaderLease implements Supplier<Duration> {
  private volatile Duration lease;

  @Inject
  public LeaderLease() {
    // Set once the configuration is read.
  }

  @Override
  public Duration get() {
    return lease;
  }

  public void set(Duration configured) {
    lease = configured;
  }
}
