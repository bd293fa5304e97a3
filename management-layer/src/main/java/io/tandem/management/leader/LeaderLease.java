package io.tandem.management.leader;

import io.tandem.protocol.options.OptionCatalogue;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.function.Supplier;

/** Option {@code [management] leader-lease} as configured now; each campaign takes the value of its time. */
public final class LeaderLease implements Supplier<Duration> {
  private volatile Duration lease = OptionCatalogue.LEADER_LEASE.defaultValue();

  @Inject
  public LeaderLease() {
    // Starts at the option's default until the configuration is read.
  }

  @Override
  public Duration get() {
    return lease;
  }

  public void set(Duration configured) {
    lease = configured;
  }
}
