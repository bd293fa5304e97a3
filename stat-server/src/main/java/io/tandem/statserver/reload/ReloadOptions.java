package io.tandem.statserver.reload;

import io.tandem.common.options.Option;
import io.tandem.common.options.OptionParsers;
import java.time.Duration;
import java.time.temporal.ChronoUnit;

/**
 * What the reload decisions depend on: this server's {@code statserver} options and its peer's.
 *
 * @param delayIfPrimary {@code config-reload-delay-if-primary}
 * @param acceptClientsInBackup this server's {@code accept-clients-in-backup-mode}
 * @param backupCheckInterval {@code backup-check-interval}: probe period in protected mode
 * @param protectedModeMaxDuration {@code protected-mode-max-duration}; zero means no limit
 * @param peer the other member of the pair ("" for a standalone server)
 * @param peerAcceptsClients the peer's {@code accept-clients-in-backup-mode}
 */
public record ReloadOptions(boolean delayIfPrimary, boolean acceptClientsInBackup, Duration backupCheckInterval,
    Duration protectedModeMaxDuration, String peer, boolean peerAcceptsClients) {

  public static final String SECTION = "statserver";
  public static final Option<Boolean> CONFIG_RELOAD_DELAY_IF_PRIMARY =
      Option.of(SECTION, "config-reload-delay-if-primary", false, OptionParsers.bool());
  public static final Option<Boolean> ACCEPT_CLIENTS_IN_BACKUP_MODE =
      Option.of(SECTION, "accept-clients-in-backup-mode", true, OptionParsers.bool());
  public static final Option<Duration> BACKUP_CHECK_INTERVAL = Option.of(SECTION, "backup-check-interval",
      Duration.ofMillis(1000), OptionParsers.duration(ChronoUnit.MILLIS, Duration.ofMillis(50), Duration.ofMillis(60_000)));
  public static final Option<Duration> PROTECTED_MODE_MAX_DURATION = Option.of(SECTION, "protected-mode-max-duration",
      Duration.ZERO, OptionParsers.duration(ChronoUnit.SECONDS, Duration.ZERO, Duration.ofDays(7)));
  /** Not a reload decision: the statistics engine's budget for events that arrive while a reload runs. */
  public static final Option<Long> RELOAD_FEED_BUFFER = Option.of(SECTION, "reload-feed-buffer", 32L * 1024 * 1024,
      OptionParsers.bytes(1024L * 1024, 1024L * 1024 * 1024));

  /** Defaults, standalone: before this server has read its Application object. */
  public static final ReloadOptions DEFAULTS = new ReloadOptions(false, true, BACKUP_CHECK_INTERVAL.defaultValue(),
      Duration.ZERO, "", true);

  public boolean standalone() {
    return peer.isEmpty();
  }

  public ReloadOptions withDelayIfPrimary(boolean value) {
    return new ReloadOptions(value, acceptClientsInBackup, backupCheckInterval, protectedModeMaxDuration, peer,
        peerAcceptsClients);
  }
}
