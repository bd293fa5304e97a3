package io.tandem.protocol.reload;

import io.tandem.protocol.options.OptionCatalogue;
import java.time.Duration;

/**
 * What the reload decisions depend on: this server's {@code statserver} options and its peer's.
 * Built by name from {@link #DEFAULTS}: {@code DEFAULTS.withPeer("StatServer_B").withDelayIfPrimary(true)}.
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

  public static final String SECTION = OptionCatalogue.STATSERVER;

  /** Defaults, standalone: before this server has read its Application object. */
  public static final ReloadOptions DEFAULTS = new ReloadOptions(false, true, OptionCatalogue.BACKUP_CHECK_INTERVAL.defaultValue(),
      Duration.ZERO, "", true);

  public boolean standalone() {
    return peer.isEmpty();
  }

  public ReloadOptions withDelayIfPrimary(boolean value) {
    return new ReloadOptions(value, acceptClientsInBackup, backupCheckInterval, protectedModeMaxDuration, peer,
        peerAcceptsClients);
  }

  public ReloadOptions withAcceptClientsInBackup(boolean value) {
    return new ReloadOptions(delayIfPrimary, value, backupCheckInterval, protectedModeMaxDuration, peer,
        peerAcceptsClients);
  }

  public ReloadOptions withBackupCheckInterval(Duration value) {
    return new ReloadOptions(delayIfPrimary, acceptClientsInBackup, value, protectedModeMaxDuration, peer,
        peerAcceptsClients);
  }

  public ReloadOptions withProtectedModeMaxDuration(Duration value) {
    return new ReloadOptions(delayIfPrimary, acceptClientsInBackup, backupCheckInterval, value, peer,
        peerAcceptsClients);
  }

  /** The other member of the pair ("" for none). */
  public ReloadOptions withPeer(String value) {
    return new ReloadOptions(delayIfPrimary, acceptClientsInBackup, backupCheckInterval, protectedModeMaxDuration, value,
        peerAcceptsClients);
  }

  /** The peer's {@code accept-clients-in-backup-mode}. */
  public ReloadOptions withPeerAcceptsClients(boolean value) {
    return new ReloadOptions(delayIfPrimary, acceptClientsInBackup, backupCheckInterval, protectedModeMaxDuration, peer,
        value);
  }
}
