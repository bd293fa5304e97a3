package io.tandem.protocol.redundancy;

import io.tandem.protocol.log.LogEvent;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.Mode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Which process holds each member's supervision stream. One live process per application: another
 * instance is refused while the current one is alive, waits while the current one may still
 * return, and takes its place once it cannot; the same instance reconnecting replaces its old
 * stream.
 */
final class Admission {
  private final PairState state;
  private final Liveness liveness;
  private final Modes modes;
  private final Switchovers switchovers;
  /** The simulator's mutant: another instance takes a member's place at once, in the mode of the one before it. */
  private final boolean inheritMode;

  Admission(PairState state, Liveness liveness, Modes modes, Switchovers switchovers, boolean inheritMode) {
    this.state = state;
    this.liveness = liveness;
    this.modes = modes;
    this.switchovers = switchovers;
    this.inheritMode = inheritMode;
  }

  /** See {@link RedundancyController#connected}. */
  void connected(Arrival arrival, Instant now, List<Action> actions) {
    RedundancySettings settings = state.settings();
    String app = arrival.application();
    Member m = state.member(app);
    if (m == null || !m.configured) {
      refuse(arrival, SessionEnd.NOT_CONFIGURED,
          "hello.application: no Application named '" + app + "' in the configuration", Duration.ZERO, actions);
      return;
    }
    var implausible = state.claimProblem(arrival.claimedEpoch());
    if (implausible.isPresent()) {
      refuse(arrival, SessionEnd.IMPLAUSIBLE_EPOCH, "hello.epoch: " + implausible.get(), Duration.ZERO, actions);
      return;
    }
    if (arrival.instanceId().equals(m.instanceId)) {
      if (m.newcomer != null) {
        turnAwayNewcomer(m, "reconnected", actions);
      }
      if (m.connected) {
        // The same process, on a new stream: not lost. A switchover waiting for it goes on waiting,
        // and it acknowledges the mode it is told again as it would have the first telling.
        endReplacedStream(m, arrival.session(), "replaced by a newer stream of the same instance", actions);
        m.hung = false;
      }
      admit(m, arrival, now, actions);
      return;
    }
    Newcomer waiting = m.newcomer;
    if (waiting != null) {
      if (liveness.silence(waiting.lastHeartbeat, now).compareTo(settings.heartbeatTimeout()) < 0) {
        refuseDuplicate(arrival, waiting.arrival.instanceId(), waiting.arrival.clientAddress(), waiting.arrival.peer(),
            "and waits to take the place of the instance before it", actions);
        return;
      }
      m.newcomer = null;
      String why = "replaced by instance " + arrival.instanceId() + ": instance " + waiting.arrival.instanceId()
          + ", waiting to take " + app + "'s place, went silent";
      actions.add(new Action.EndSession(app, waiting.arrival.session(), SessionEnd.REPLACED, why));
      actions.add(new Action.Log(LogEvent.SESSION_REPLACED, "application", app, "old_session",
          waiting.arrival.session(), "new_session", arrival.session(), "reason", why));
    }
    if (m.alive()) {
      if (m.mode == Mode.MODE_UNSPECIFIED && arrival.claimedEpoch() >= m.currentEpoch()
          && Modes.claimFits(m, arrival.claimedMode(), arrival.claimedEpoch())) {
        // The live instance has been given no mode; this one runs in the mode the pair expects of
        // the member: it is the member's process, the other a duplicate (after a restart of this
        // Management Layer, whichever said hello first).
        String why = app + " is running as instance " + arrival.instanceId() + " (client address "
            + orDash(arrival.clientAddress()) + ", connected from " + orDash(arrival.peer()) + ") in mode "
            + arrival.claimedMode() + " under epoch " + arrival.claimedEpoch() + ", and this instance has no mode";
        actions.add(new Action.EndSession(app, m.session, SessionEnd.DUPLICATE, "hello.instance_id: " + why
            + "; stop this process, or wait until that one is lost or hung", settings.duplicateRetryWindow()));
        actions.add(new Action.Log(LogEvent.SESSION_REPLACED, "application", app, "old_session", m.session,
            "new_session", arrival.session(), "reason", why));
        m.connected = false;
        m.waitingForPeer = false;
        admit(m, arrival, now, actions);
        return;
      }
      refuseDuplicate(arrival, m.instanceId, m.clientAddress, m.peer, "and is alive", actions);
      return;
    }
    if (inheritMode) {
      if (m.connected) {
        replaceStream(m, arrival.session(), "replaced by instance " + arrival.instanceId(), now, actions);
      }
      admit(m, arrival, now, actions);
      return;
    }
    if (m.mode != Mode.MODE_UNSPECIFIED && state.withinGrace(m, now)) {
      m.newcomer = new Newcomer(arrival, now);
      actions.add(new Action.SendSettings(app, arrival.session(), settings.heartbeatInterval()));
      actions.add(new Action.Log(LogEvent.NEWCOMER_WAITS, "application", app, "instance", arrival.instanceId(),
          "previous", m.instanceId, "mode", m.mode, "wait_ms",
          Duration.between(now, m.lostAt.plus(settings.disconnectSwitchoverTimeout())).toMillis()));
      return;
    }
    succeed(m, arrival, now, actions);
  }

  /** Stream {@code session} of {@code application} ended. */
  void disconnected(String application, long session, Instant now, List<Action> actions) {
    Member m = state.member(application);
    if (m != null && m.newcomer != null && m.newcomer.is(session)) {
      m.newcomer = null;
      actions.add(new Action.Log(LogEvent.APPLICATION_LOST, "application", application, "session", session,
          "mode", Mode.MODE_UNSPECIFIED, "failover_in_ms", "-"));
      return;
    }
    if (m == null || !m.connected || m.session != session) {
      return;
    }
    m.connected = false;
    actions.add(new Action.Log(LogEvent.APPLICATION_LOST, "application", application, "session", session,
        "mode", m.mode, "failover_in_ms", m.pair != null && m.mode == Mode.PRIMARY && !m.hung
            ? state.settings().disconnectSwitchoverTimeout().toMillis() : "-"));
    if (m.hung) {
      m.hung = false; // already lost when it went silent
    } else {
      switchovers.lost(m, now, actions);
    }
  }

  /**
   * The instance waiting to take {@code m}'s place does so when the one before it did not return
   * in time, and is dealt with as if it had said hello now; returns whether it did.
   */
  boolean admitWaitingNewcomer(Member m, Instant now, List<Action> actions) {
    Newcomer waiting = m.newcomer;
    if (waiting == null || m.alive() || (m.mode != Mode.MODE_UNSPECIFIED && state.withinGrace(m, now))) {
      return false;
    }
    m.newcomer = null;
    succeed(m, waiting.arrival, now, actions);
    m.lastHeartbeat = waiting.lastHeartbeat;
    m.status = waiting.status; // logged when it was reported
    m.detail = waiting.detail;
    return true;
  }

  /** The instance waiting to take {@code m}'s place is refused: the one before it is alive after all. */
  void turnAwayNewcomer(Member m, String what, List<Action> actions) {
    Arrival waiting = m.newcomer.arrival;
    m.newcomer = null;
    refuse(waiting, SessionEnd.DUPLICATE, "hello.instance_id: " + m.name + " is already running as "
        + "instance " + m.instanceId + " (client address " + orDash(m.clientAddress) + ", connected from "
        + orDash(m.peer) + "), which " + what + " before it could be replaced and is alive; stop this process, or "
        + "wait until that one is lost or hung", state.settings().duplicateRetryWindow(), actions);
  }

  /**
   * {@code arrival}, another instance than the one before it, takes {@code m}'s place: that one is
   * gone (or hung for longer than it may return in), and its mode is not the newcomer's.
   */
  private void succeed(Member m, Arrival arrival, Instant now, List<Action> actions) {
    if (m.connected) {
      replaceStream(m, arrival.session(), "replaced by instance " + arrival.instanceId() + ": instance "
          + m.instanceId + " was hung", now, actions);
    }
    m.mode = Mode.MODE_UNSPECIFIED;
    m.acknowledged = false;
    m.pendingCommand = 0;
    m.waitingForPeer = false;
    admit(m, arrival, now, actions);
  }

  /** Ends {@code m}'s current stream: a newer one of another instance ({@code newSession}) takes its place. */
  private void replaceStream(Member m, long newSession, String why, Instant now, List<Action> actions) {
    endReplacedStream(m, newSession, why, actions);
    if (!m.hung) {
      switchovers.lost(m, now, actions);
    }
    m.hung = false;
  }

  private static void endReplacedStream(Member m, long newSession, String why, List<Action> actions) {
    actions.add(new Action.EndSession(m.name, m.session, SessionEnd.REPLACED, why));
    actions.add(new Action.Log(LogEvent.SESSION_REPLACED, "application", m.name, "old_session", m.session,
        "new_session", newSession, "reason", why));
    m.connected = false;
  }

  /** {@code arrival}'s stream becomes {@code m}'s: told its mode if it has one, else its claim adopted when it fits. */
  private void admit(Member m, Arrival arrival, Instant now, List<Action> actions) {
    String app = m.name;
    m.connected = true;
    m.everConnected = true;
    m.session = arrival.session();
    m.instanceId = arrival.instanceId();
    m.clientAddress = arrival.clientAddress();
    m.peer = arrival.peer();
    m.status = AppStatus.INITIALIZING;
    m.detail = "";
    m.lostAt = null;
    m.lastHeartbeat = now;
    m.epoch = arrival.claimedEpoch();
    if (m.pair != null) {
      m.pair.epoch = Math.max(m.pair.epoch, arrival.claimedEpoch());
    } else {
      m.standaloneEpoch = Math.max(m.standaloneEpoch, arrival.claimedEpoch());
    }
    if (m.mode == Mode.MODE_UNSPECIFIED) {
      m.since = now;
    }
    actions.add(new Action.Log(LogEvent.APPLICATION_CONNECTED, "application", app, "session", arrival.session(),
        "instance", arrival.instanceId(), "client_address", orDash(arrival.clientAddress()),
        "runs_as", arrival.claimedMode(), "epoch", arrival.claimedEpoch()));
    actions.add(new Action.SendSettings(app, m.session, state.settings().heartbeatInterval()));
    if (m.mode != Mode.MODE_UNSPECIFIED) {
      modes.command(m, m.mode, "reconnected: mode unchanged", now, actions);
    } else {
      modes.adopt(m, arrival.claimedMode(), arrival.claimedEpoch(), now, actions);
    }
    Member peer = m.peerInPair();
    if (peer != null && peer.waitingForPeer && peer.mode == Mode.MODE_UNSPECIFIED && peer.ready()) {
      // The member it waited for has said which mode it runs in: the wait is over.
      peer.waitingForPeer = false;
      modes.assignFirstMode(peer, now, actions);
    }
  }

  private void refuseDuplicate(Arrival arrival, String instance, String clientAddress, String peer,
      String condition, List<Action> actions) {
    refuse(arrival, SessionEnd.DUPLICATE, "hello.instance_id: " + arrival.application()
        + " is already running as instance " + instance + " (client address " + orDash(clientAddress)
        + ", connected from " + orDash(peer) + ") " + condition + "; stop that process first, or wait until it is lost "
        + "or hung", state.settings().duplicateRetryWindow(), actions);
  }

  private static void refuse(Arrival arrival, SessionEnd cause, String message, Duration retryFor,
      List<Action> actions) {
    actions.add(new Action.Log(LogEvent.APPLICATION_REFUSED, "application", arrival.application(),
        "instance", arrival.instanceId(), "peer", orDash(arrival.peer()), "code", cause.code(), "reason", message));
    actions.add(new Action.EndSession(arrival.application(), arrival.session(), cause, message, retryFor));
  }

  static String orDash(String text) {
    return text == null || text.isEmpty() ? "-" : text;
  }
}
