package io.tandem.statserver.reload;

import io.tandem.stat.v1.ReloadMode;
import io.tandem.stat.v1.Role;

/**
 * What a probe of the peer's client port found: whether it is ready to take over (serving, with
 * its configuration reloaded) and, when its server info could be read, how it sees itself.
 *
 * @param ready serving and reloaded to the required event
 * @param detail what was found, in words, for the log
 * @param peerRole the peer's own role (ROLE_UNSPECIFIED when unknown)
 * @param peerReloadMode whether the peer is in protected mode itself (RELOAD_MODE_UNSPECIFIED when unknown)
 * @param peerEpoch the epoch the peer runs under (0 when unknown)
 */
public record PeerProbe(boolean ready, String detail, Role peerRole, ReloadMode peerReloadMode, long peerEpoch) {
  /** The peer could not be asked (or is not serving): no view of its own. */
  public static PeerProbe notReady(String detail) {
    return new PeerProbe(false, detail, Role.ROLE_UNSPECIFIED, ReloadMode.RELOAD_MODE_UNSPECIFIED, 0);
  }

  /** Whether the peer says it is a primary in protected mode, as this server is. */
  public boolean peerProtectedPrimary() {
    return peerRole == Role.PRIMARY && peerReloadMode == ReloadMode.PROTECTED;
  }
}
