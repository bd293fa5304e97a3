package io.tandem.simulation;

import io.tandem.protocol.leadership.Leadership;
import io.tandem.protocol.options.OptionCatalogue;
import io.tandem.protocol.redundancy.RedundancySettings;
import java.time.Duration;
import java.util.Random;

/**
 * The settings of one run, drawn from its seed: the options a deployment could have, and how fast
 * the machines and the network are.
 *
 * @param delayIfPrimary A's and B's {@code config-reload-delay-if-primary} at the start
 * @param acceptClientsA A's {@code accept-clients-in-backup-mode} at the start
 * @param acceptClientsB B's, likewise
 * @param backupCheckIntervalMs {@code backup-check-interval}
 * @param protectedModeMaxDurationS {@code protected-mode-max-duration} (0: no limit, the default)
 * @param management the Management Layer's timeouts
 * @param historyMaxRecords the Config Server's {@code max-records}
 * @param minDelayMs shortest message travel time
 * @param maxDelayMs longest, outside a slowed link
 * @param minReloadMs shortest configuration load (snapshot and model build)
 * @param maxReloadMs longest, outside a slow-reload fault
 * @param writeEveryMs mean time between configuration writes while faults run
 * @param serveDuringReload A's and B's {@code serve-during-reload}
 */
record Parameters(boolean delayIfPrimary, boolean acceptClientsA, boolean acceptClientsB, long backupCheckIntervalMs,
    long protectedModeMaxDurationS, RedundancySettings management, long historyMaxRecords, long minDelayMs,
    long maxDelayMs, long minReloadMs, long maxReloadMs, long writeEveryMs, boolean serveDuringReload) {

  private static final long HEARTBEAT_TIMEOUT_SPREAD_MS = 3_800;

  static Parameters draw(Random random) {
    RedundancySettings management = new RedundancySettings(
        Duration.ofMillis(500 + random.nextInt(4_500)),
        Duration.ofMillis(1_000 + random.nextInt(4_000)),
        5, Duration.ofSeconds(60),
        heartbeatTimeout(random));
    long minDelay = 1L + random.nextInt(5);
    long minReload = 50L + random.nextInt(200);
    return new Parameters(
        random.nextInt(10) < 8,
        random.nextInt(10) < 7,
        random.nextInt(10) < 7,
        100 + random.nextInt(900),
        random.nextInt(10) < 8 ? 0 : 5 + random.nextInt(20),
        management,
        10 + random.nextInt(90),
        minDelay,
        minDelay + random.nextInt(30),
        minReload,
        minReload + random.nextInt(1_500),
        100 + random.nextInt(900),
        false);
  }

  /**
   * With {@code serve-during-reload} as given: drawn apart from the rest (its own stream of the
   * seed), so a seed's other settings and its fault schedule stay what they were before the option.
   */
  Parameters withServeDuringReload(boolean value) {
    return new Parameters(delayIfPrimary, acceptClientsA, acceptClientsB, backupCheckIntervalMs,
        protectedModeMaxDurationS, management, historyMaxRecords, minDelayMs, maxDelayMs, minReloadMs, maxReloadMs,
        writeEveryMs, value);
  }

  /**
   * {@code heartbeat-timeout} from the smallest the option accepts up to about 4 s, drawn towards
   * the small end (one run in nine below 250 ms), where a few ticks of the Management Layer make
   * the whole timeout.
   */
  static Duration heartbeatTimeout(Random random) {
    long spread = HEARTBEAT_TIMEOUT_SPREAD_MS;
    long r = random.nextInt((int) spread);
    return OptionCatalogue.HEARTBEAT_TIMEOUT_MIN.plusMillis(r * r / spread);
  }

  /**
   * {@code [management] leader-lease} of Management Layers over etcd: whole seconds, from the least
   * the option accepts (2 s) to 8 s, around its default of 6 s.
   */
  static Duration leaderLease(Random random) {
    return Leadership.MIN_LEASE.plusSeconds(random.nextInt(7));
  }

  /** The longest a failover may take once the Management Layer can see everything it needs. */
  Duration failoverBound() {
    return management.heartbeatTimeout().plus(management.disconnectSwitchoverTimeout())
        .plus(management.switchoverTimeout()).plusSeconds(2);
  }
}
