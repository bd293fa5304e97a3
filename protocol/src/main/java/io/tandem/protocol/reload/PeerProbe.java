package io.tandem.protocol.reload;

import io.tandem.stat.v1.ConfigState;
import io.tandem.stat.v1.ReloadMode;
import io.tandem.stat.v1.Role;
import io.tandem.stat.v1.ServerInfo;

/**
 * What a probe of the peer's client port found: whether it answered {@code SERVING} and, when
 * its server info could be read, how it sees itself. Whether that makes it ready to take over is
 * the {@link ReloadStateMachine}'s decision ({@link #readyFor}).
 *
 * @param serving its health answered {@code SERVING} and its server info could be read and says so
 * @param detail what was found, in words, for the log
 * @param peerConfigState the peer's configuration session (CONFIG_STATE_UNSPECIFIED when unknown)
 * @param peerLastEventId the last configuration event the peer applied (0 when unknown)
 * @param peerRole the peer's own role (ROLE_UNSPECIFIED when unknown)
 * @param peerReloadMode whether the peer is in protected mode itself (RELOAD_MODE_UNSPECIFIED when unknown)
 * @param peerEpoch the epoch the peer runs under (0 when unknown)
 */
public record PeerProbe(boolean serving, String detail, ConfigState peerConfigState, long peerLastEventId,
    Role peerRole, ReloadMode peerReloadMode, long peerEpoch) {
  /** The peer could not be asked (or is not serving): no view of its own. */
  public static PeerProbe notReady(String detail) {
    return new PeerProbe(false, detail, ConfigState.CONFIG_STATE_UNSPECIFIED, 0, Role.ROLE_UNSPECIFIED,
        ReloadMode.RELOAD_MODE_UNSPECIFIED, 0);
  }

  /**
   * The peer at {@code target} answered SERVING and described itself with {@code info}. A peer
   * turns its health before it records the change and publishes its info: one whose info does not
   * say serving yet is not ready, so that a partner told to stop on its word never stops before the
   * peer's own record says it started.
   */
  public static PeerProbe serving(String target, ServerInfo info) {
    if (!info.getServing()) {
      return notReady(target + " SERVING, but its server info says not serving yet");
    }
    return new PeerProbe(true, target + " SERVING", info.getConfigState(), info.getLastEventId(), info.getRole(),
        info.getReloadMode(), info.getEpoch());
  }

  /**
   * Ready to take over from a primary whose session expired when the Config Server's head was
   * {@code requiredEventId}: serving, and with its configuration reloaded to at least that event.
   * A backup still serving its old configuration is not ready: it is about to reload itself.
   */
  public boolean readyFor(long requiredEventId) {
    return serving && peerConfigState == ConfigState.SYNCED && peerLastEventId >= requiredEventId;
  }

  /** Why the peer is not ready for {@code requiredEventId}, or where it is when it is. */
  public String describe(long requiredEventId) {
    if (!serving) {
      return detail;
    }
    if (readyFor(requiredEventId)) {
      return detail + " at event " + peerLastEventId;
    }
    return detail + " but its configuration is at event " + peerLastEventId + " (" + peerConfigState
        + "), not yet reloaded to " + requiredEventId;
  }

  /** Whether the peer says it is a primary in protected mode, as this server is. */
  public boolean peerProtectedPrimary() {
    return peerRole == Role.PRIMARY && peerReloadMode == ReloadMode.PROTECTED;
  }
}
