package io.tandem.protocol.reload;

import io.tandem.protocol.options.OptionCatalogue;
import java.time.Duration;

/**
 * What the reload decisions depend on: this server's {@code statserver} options and its peer's.
 * Built by name from {@link #DEFAULTS}: {@code DEFAULTS.withPeer("StatServer_B").withDelayIfPrimary(true)}.
 *
 * @param delayIfPrimary {@code config-reload-delay-if-primary}
 * @param acceptClientsInBackup this server's {@code accept-clients-in-backup-mode}
 * @param serveDuringReload {@code serve-during-reload}: a normal-mode reload keeps serving the configuration in hand
 * @param backupCheckInterval {@code backup-check-interval}: probe period in protected mode
 * @param protectedModeMaxDuration {@code protected-mode-max-duration}; zero means no limit
 * @param peer the other member of the pair ("" for a standalone server)
 * @param peerAcceptsClients the peer's {@code accept-clients-in-backup-mode}
 */
public record ReloadOptions(boolean delayIfPrimary, boolean acceptClientsInBackup, boolean serveDuringReload,
    Duration backupCheckInterval, Duration protectedModeMaxDuration, String peer, boolean peerAcceptsClients) {

  public static final String SECTION = OptionCatalogue.STATSERVER;

  /** Defaults, standalone: before this server has read its Application object. */
  public static final ReloadOptions DEFAULTS = new ReloadOptions(false, true,
      OptionCatalogue.SERVE_DURING_RELOAD.defaultValue(), OptionCatalogue.BACKUP_CHECK_INTERVAL.defaultValue(),
      Duration.ZERO, "", true);

  public boolean standalone() {
    return peer.isEmpty();
  }

  public ReloadOptions withDelayIfPrimary(boolean value) {
    return new ReloadOptions(value, acceptClientsInBackup, serveDuringReload, backupCheckInterval,
        protectedModeMaxDuration, peer, peerAcceptsClients);
  }

  public ReloadOptions withAcceptClientsInBackup(boolean value) {
    return new ReloadOptions(delayIfPrimary, value, serveDuringReload, backupCheckInterval,
        protectedModeMaxDuration, peer, peerAcceptsClients);
  }

  public ReloadOptions withServeDuringReload(boolean value) {
    return new ReloadOptions(delayIfPrimary, acceptClientsInBackup, value, backupCheckInterval,
        protectedModeMaxDuration, peer, peerAcceptsClients);
  }

  public ReloadOptions withBackupCheckInterval(Duration value) {
    return new ReloadOptions(delayIfPrimary, acceptClientsInBackup, serveDuringReload, value,
        protectedModeMaxDuration, peer, peerAcceptsClients);
  }

  public ReloadOptions withProtectedModeMaxDuration(Duration value) {
    return new ReloadOptions(delayIfPrimary, acceptClientsInBackup, serveDuringReload, backupCheckInterval,
        value, peer, peerAcceptsClients);
  }

  /** The other member of the pair ("" for none). */
  public ReloadOptions withPeer(String value) {
    return new ReloadOptions(delayIfPrimary, acceptClientsInBackup, serveDuringReload, backupCheckInterval,
        protectedModeMaxDuration, value, peerAcceptsClients);
  }

  /** The peer's {@code accept-clients-in-backup-mode}. */
  public ReloadOptions withPeerAcceptsClients(boolean value) {
    return new ReloadOptions(delayIfPrimary, acceptClientsInBackup, serveDuringReload, backupCheckInterval,
        protectedModeMaxDuration, peer, value);
  }
}
