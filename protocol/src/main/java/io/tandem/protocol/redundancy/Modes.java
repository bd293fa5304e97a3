package io.tandem.protocol.redundancy;

import io.tandem.protocol.log.LogEvent;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.PairMemory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Which mode each member is in, and telling it: a member's first mode, the mode an application
 * claims after a restart of this Management Layer, a primary for a pair that has none. Every mode
 * command carries the epoch of the member's pair (or of the member, standalone).
 */
final class Modes {
  private final PairState state;
  private final ModeChanges modeChanges;
  private long commandIds;

  Modes(PairState state, ModeChanges modeChanges) {
    this.state = state;
    this.modeChanges = modeChanges;
  }

  /** Tells {@code m} its mode under the current epoch of its pair (or of itself, standalone). */
  void command(Member m, Mode mode, String reason, Instant now, List<Action> actions) {
    if (m.mode != mode) {
      m.since = now;
    }
    m.mode = mode;
    m.acknowledged = false;
    m.pendingCommand = ++commandIds;
    long epoch = m.currentEpoch();
    m.commandedEpoch = epoch;
    actions.add(new Action.Log(LogEvent.MODE_ASSIGNED, "application", m.name, "mode", mode, "reason", reason,
        "epoch", epoch, "delivered", m.connected ? "now" : "on reconnect"));
    if (m.connected) {
      actions.add(new Action.SendMode(m.name, m.session, m.pendingCommand, mode, epoch, reason));
    }
  }

  /**
   * Adopts the mode an application claims to run in when it fits: a standalone is primary; one
   * primary per pair, unless the claim comes with a newer epoch than the peer's (the peer is the
   * stale one, and is told to be backup).
   */
  void adopt(Member m, Mode claimed, long claimedEpoch, Instant now, List<Action> actions) {
    if (!claimFits(m, claimed, claimedEpoch)) {
      return;
    }
    Member peer = m.peerInPair();
    m.mode = claimed;
    m.acknowledged = true;
    m.commandedEpoch = claimedEpoch;
    m.since = now;
    actions.add(new Action.Log(LogEvent.MODE_ASSIGNED, "application", m.name, "mode", claimed,
        "reason", "adopted: the application already runs in it", "epoch", claimedEpoch, "delivered", "already"));
    if (peer != null && claimed == Mode.PRIMARY && peer.mode == Mode.PRIMARY) {
      command(peer, Mode.BACKUP, m.name + " is primary under a newer epoch (" + claimedEpoch + ")", now, actions);
    }
  }

  /** Whether {@code m} may run in the mode it claims: a standalone as primary; one primary per pair, unless newer. */
  static boolean claimFits(Member m, Mode claimed, long claimedEpoch) {
    if (claimed != Mode.PRIMARY && claimed != Mode.BACKUP) {
      return false;
    }
    Member peer = m.peerInPair();
    if (peer == null) {
      return claimed == Mode.PRIMARY;
    }
    if (claimed == Mode.PRIMARY) {
      PairMemory kept = m.pair.remembered;
      if (kept != null && kept.getPrimary().equals(peer.name) && claimedEpoch < kept.getEpoch()) {
        return false; // the previous leader made the peer primary since: the claim is outdated
      }
      // Against the epoch the peer was made primary under, acknowledged or not yet.
      return peer.mode != Mode.PRIMARY || claimedEpoch > Math.max(peer.epoch, peer.commandedEpoch);
    }
    return peer.mode != Mode.BACKUP;
  }

  /**
   * A member that has no mode yet gets one when its status calls for it: {@code RUNNING}, or
   * {@code SERVICE_UNAVAILABLE} standalone or beside a primary.
   */
  void giveAModeForItsStatus(Member m, Instant now, List<Action> actions) {
    if (m.mode != Mode.MODE_UNSPECIFIED) {
      return;
    }
    if (m.status == AppStatus.RUNNING || (m.status == AppStatus.SERVICE_UNAVAILABLE && m.pair == null)) {
      assignFirstMode(m, now, actions);
    } else if (m.status == AppStatus.SERVICE_UNAVAILABLE && m.pair.other(m).mode == Mode.PRIMARY) {
      command(m, Mode.BACKUP, "unavailable, and " + m.pair.other(m).name + " is primary", now, actions);
    }
  }

  void assignFirstMode(Member m, Instant now, List<Action> actions) {
    Pair pair = m.pair;
    if (pair == null) {
      m.standaloneEpoch = state.nextEpoch(m.standaloneEpoch);
      command(m, Mode.PRIMARY, "standalone", now, actions);
      return;
    }
    Member peer = pair.other(m);
    if (peer.mode == Mode.PRIMARY && (peer.alive() || state.withinGrace(peer, now))) {
      command(m, Mode.BACKUP, peer.name + " is primary", now, actions);
    } else if (peer.mode == Mode.MODE_UNSPECIFIED && !peer.connected && state.withinGrace(peer, now)) {
      // Its mode is unknown and it may be primary still: wait for it to say (tick decides when the wait ends).
      if (!m.waitingForPeer) {
        m.waitingForPeer = true;
        actions.add(new Action.Log(LogEvent.MODE_WITHHELD, "application", m.name, "peer", peer.name, "wait_ms",
            Duration.between(now, peer.lostAt.plus(state.settings().disconnectSwitchoverTimeout())).toMillis()));
      }
    } else {
      if (peer.mode == Mode.PRIMARY) {
        peer.mode = Mode.BACKUP; // lost for longer than the failover timeout; told when it returns
        peer.acknowledged = false;
        peer.since = now;
      }
      pair.epoch = state.nextEpoch(pair.epoch);
      command(m, Mode.PRIMARY, "first of " + pair.describe() + " to report RUNNING", now, actions);
      if (peer.connected && peer.mode == Mode.BACKUP) {
        command(peer, Mode.BACKUP, m.name + " is primary", now, actions);
      } else if (peer.connected && peer.mode == Mode.MODE_UNSPECIFIED && peer.status == AppStatus.SERVICE_UNAVAILABLE) {
        command(peer, Mode.BACKUP, "unavailable, and " + m.name + " is primary", now, actions);
      }
    }
  }

  /**
   * A pair without a primary (after a restart of this Management Layer, or while a member waits
   * for its unheard-of peer): a member alive and {@code RUNNING} becomes primary once its peer
   * cannot be primary — it said hello without being one, or has been silent for the failover
   * timeout.
   */
  void chooseFirstPrimary(Pair pair, Instant now, List<Action> actions) {
    for (Member m : List.of(pair.first, pair.second)) {
      Member peer = pair.other(m);
      boolean peerMayBePrimary = peer.mode == Mode.PRIMARY || (!peer.connected && state.withinGrace(peer, now));
      if (!m.ready() || m.mode == Mode.PRIMARY || peerMayBePrimary) {
        continue;
      }
      m.waitingForPeer = false;
      if (m.mode == Mode.MODE_UNSPECIFIED) {
        assignFirstMode(m, now, actions);
      } else {
        pair.epoch = state.nextEpoch(pair.epoch);
        command(m, Mode.PRIMARY, "the pair has no primary and " + peer.name + (peer.connected ? " is " + peer.status
            : " has been silent for " + state.settings().disconnectSwitchoverTimeout().toMillis() + " ms"), now,
            actions);
        modeChanges.note(pair, now, actions);
      }
      return;
    }
  }
}
