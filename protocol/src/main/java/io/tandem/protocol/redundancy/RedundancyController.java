package io.tandem.protocol.redundancy;

import io.tandem.protocol.pairs.RedundantPairs;
import io.tandem.protocol.log.LogEvent;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.PairMemory;
import io.tandem.management.v1.PairsStatus;
import io.tandem.management.v1.SwitchoverCause;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Who serves: the Management Layer's decisions about primary/backup pairs, as a pure state
 * machine. Every input carries the time; every output is an {@link Action}. Not thread-safe:
 * one thread feeds it.
 *
 * <ul>
 *   <li>Pairs come from configuration by the one rule of {@link RedundantPairs} ({@link Membership}).
 *   <li>The first member of a pair to report {@code RUNNING} becomes primary, the other backup;
 *       a standalone application is primary. A member that joins while its peer is primary is
 *       backup ({@link Modes}).
 *   <li>A primary reporting {@code SERVICE_UNAVAILABLE} is switched over if its backup is alive
 *       and {@code RUNNING}; otherwise the request waits for the backup to report
 *       {@code RUNNING}. One switchover per pair is in flight, with a deadline ({@link Switchovers}).
 *   <li>An application is <em>alive</em> while its stream is open and its heartbeats arrive; one
 *       silent for {@code heartbeat-timeout} is hung, and treated exactly like a lost connection
 *       ({@link Liveness}). A primary that stays lost (or hung) for
 *       {@code disconnect-switchover-timeout} is failed over to its backup, if that one is alive
 *       and {@code RUNNING}.
 *   <li>Every mode command carries the pair's epoch, which grows whenever the pair's primary
 *       changes (and is recovered from the members' hellos after a restart), so an application can
 *       refuse a command older than the last one it obeyed. Epochs start above the highest the
 *       Management Layer's epoch ledger holds, never from the clock.
 *   <li>One live process per application: another instance is refused while the current one is
 *       alive; the same instance reconnecting replaces its old stream ({@link Admission}).
 * </ul>
 *
 * <p>This class takes the inputs and hands each to the part that decides; what it decides itself
 * is what a heartbeat, a status report and a tick call for.
 */
public final class RedundancyController {
  /** How often the controller expects a {@link #tick}. */
  public static final Duration TICK_PERIOD = Duration.ofMillis(50);

  /**
   * A deliberately broken rule, for the simulator's mutants ({@code simulation/README.md}): a
   * run with one of these must end in a violated invariant. The Management Layer never sets one.
   */
  public enum Flaw {
    /** Never take a silent application for hung. */
    NO_HUNG_DETECTION,
    /** Another instance takes a member's place at once, in the mode of the instance before it. */
    INHERIT_MODE
  }

  private final boolean detectsHung;
  private final PairState state;
  private final Liveness liveness = new Liveness();
  private final ModeChanges modeChanges;
  private final Modes modes;
  private final Switchovers switchovers;
  private final Membership membership;
  private final Admission admission;

  /** A controller of a Management Layer whose epoch ledger is empty. */
  public RedundancyController(RedundancySettings settings) {
    this(settings, 0);
  }

  /**
   * @param epochsAbove the highest epoch the ledger holds: every epoch issued is above it. The
   *     caller records each epoch a command carries in the ledger before the command leaves.
   */
  public RedundancyController(RedundancySettings settings, long epochsAbove) {
    this(settings, EnumSet.noneOf(Flaw.class), epochsAbove);
  }

  /** A controller with deliberately broken rules: the simulator's mutants only. */
  public RedundancyController(RedundancySettings settings, Set<Flaw> flaws, long epochsAbove) {
    this.detectsHung = !flaws.contains(Flaw.NO_HUNG_DETECTION);
    this.state = new PairState(settings, epochsAbove);
    this.modeChanges = new ModeChanges(state);
    this.modes = new Modes(state, modeChanges);
    this.switchovers = new Switchovers(state, modes, modeChanges);
    this.membership = new Membership(state, modes, switchovers);
    this.admission = new Admission(state, liveness, modes, switchovers, flaws.contains(Flaw.INHERIT_MODE));
  }

  // ---- inputs ------------------------------------------------------------------------------

  public RedundancySettings settings() {
    return state.settings();
  }

  /**
   * The applications in configuration and each one's {@code backup} ("" for none), and this
   * Management Layer's options. Pairs form, change and dissolve to match; applications are told
   * a new heartbeat interval when it changes.
   */
  public List<Action> configure(Map<String, String> backupOf, RedundancySettings newSettings, Instant now) {
    List<Action> actions = new ArrayList<>();
    membership.configure(backupOf, newSettings, now, actions);
    return actions;
  }

  /**
   * What the previous leader kept of each pair (by {@code FIRST/SECOND}), read by a newly elected
   * Management Layer after {@link #configure}: each pair's epoch and last switchover carry on, and
   * a member's claim to be primary under an older epoch than the one its peer was made primary
   * under is outdated, and not adopted, even when it says hello first. A memory behind the pair
   * (a write that did not reach etcd) outdates nothing newer: a later primary has a higher epoch.
   */
  public void remember(Map<String, PairMemory> kept) {
    for (Pair pair : state.pairs()) {
      PairMemory memory = kept.get(pair.describe());
      // A memory under an epoch no Management Layer issued (written before claims were checked) is no memory.
      if (memory != null && (memory.getPrimary().equals(pair.first.name) || memory.getPrimary().equals(pair.second.name))
          && state.claimProblem(memory.getEpoch()).isEmpty()) {
        pair.remembered = memory;
        pair.epoch = Math.max(pair.epoch, memory.getEpoch());
        if (memory.hasLastSwitchover()) {
          pair.last = memory.getLastSwitchover();
        }
      }
    }
  }

  /**
   * What a leader keeps of each pair (by {@code FIRST/SECOND}, as {@link #remember} reads it): the
   * pairs whose primary acknowledged its mode, with its epoch and the last switchover.
   */
  public Map<String, PairMemory> memories() {
    Map<String, PairMemory> memories = new TreeMap<>();
    for (Pair pair : state.pairs()) {
      Member primary = pair.primary();
      if (primary != null && primary.acknowledged) {
        PairMemory.Builder memory = PairMemory.newBuilder().setPrimary(primary.name).setEpoch(primary.epoch);
        if (pair.last != null) {
          memory.setLastSwitchover(pair.last);
        }
        memories.put(pair.describe(), memory.build());
      }
    }
    return memories;
  }

  /**
   * An application opened its supervision stream. Refused when it is not in the configuration
   * ({@code FAILED_PRECONDITION}) or another instance of it is alive ({@code ALREADY_EXISTS}).
   * The same instance reconnecting replaces its old stream and keeps its mode. Another instance
   * never inherits the mode of the one before it: while that one may still return (lost or hung
   * less than {@code disconnect-switchover-timeout} ago) the newcomer waits, without a mode, and is
   * refused if it does return; afterwards it takes the member's place and gets a mode as a member
   * that has none. The mode an instance claims to run in (after a Management Layer restart) is
   * adopted when it agrees with its peer's, and its epoch raises the pair's, so a restart of the
   * Management Layer changes nobody's mode.
   */
  public List<Action> connected(Arrival arrival, Instant now) {
    List<Action> actions = new ArrayList<>();
    admission.connected(arrival, now, actions);
    return actions;
  }

  public List<Action> disconnected(String application, long session, Instant now) {
    List<Action> actions = new ArrayList<>();
    admission.disconnected(application, session, now, actions);
    return actions;
  }

  /** A heartbeat received {@code now}. */
  public List<Action> heartbeat(String application, long session, Instant now) {
    return heartbeat(application, session, now, now);
  }

  /**
   * A heartbeat: the application (its decision thread) is alive. {@code receivedAt} is when the
   * transport received it, which may be a little before this controller is told ({@code now}) when
   * the thread feeding it is busy: that wait is not the application's silence. A hung one is told
   * its mode again at once.
   */
  public List<Action> heartbeat(String application, long session, Instant receivedAt, Instant now) {
    List<Action> actions = new ArrayList<>();
    Member m = state.member(application);
    if (m != null && m.newcomer != null && m.newcomer.is(session)) {
      m.newcomer.lastHeartbeat = Liveness.latest(m.newcomer.lastHeartbeat, receivedAt);
      return actions;
    }
    if (m == null || !m.connected || m.session != session) {
      return actions;
    }
    Instant previous = m.lastHeartbeat;
    m.lastHeartbeat = Liveness.latest(previous, receivedAt);
    if (!m.hung) {
      return actions;
    }
    m.hung = false;
    if (m.newcomer != null) {
      admission.turnAwayNewcomer(m, "sent heartbeats again", actions);
    }
    actions.add(new Action.Log(LogEvent.HEARTBEATS_RESUMED, "application", application, "silent_for_ms",
        liveness.silence(previous, m.lastHeartbeat).toMillis(), "mode", m.mode));
    Pair pair = m.pair;
    if (pair == null || pair.primary() != m || pair.inFlight == null) {
      m.lostAt = null; // back in time: as a reconnect within the failover timeout
    }
    if (m.mode != Mode.MODE_UNSPECIFIED) {
      modes.command(m, m.mode, "heartbeats resumed: its mode, again", now, actions);
    } else {
      // Its status came before it went silent; while it was hung its peer may have become primary.
      modes.giveAModeForItsStatus(m, now, actions);
    }
    if (pair != null && pair.deferred != null && pair.primary() != null && pair.other(pair.primary()) == m
        && m.ready()) {
      // The backup a deferred switchover waited for is back, RUNNING as it reported before it went silent.
      switchovers.start(pair, pair.deferred, 0, now, actions);
    }
    return actions;
  }

  public List<Action> statusReported(String application, long session, AppStatus status, String detail, Instant now) {
    List<Action> actions = new ArrayList<>();
    Member m = state.member(application);
    if (m != null && m.newcomer != null && m.newcomer.is(session)) {
      if (m.newcomer.status != status) {
        actions.add(new Action.Log(LogEvent.STATUS_REPORTED, "application", application, "status", status,
            "detail", detail.isEmpty() ? "-" : detail));
      }
      m.newcomer.status = status;
      m.newcomer.detail = detail;
      return actions;
    }
    if (m == null || !m.connected || m.session != session) {
      return actions;
    }
    applyStatus(m, status, detail, now, actions);
    return actions;
  }

  /** What {@code m}'s status calls for: a mode if it has none, a switchover started, deferred or dropped. */
  private void applyStatus(Member m, AppStatus status, String detail, Instant now, List<Action> actions) {
    String application = m.name;
    AppStatus previous = m.status;
    m.status = status;
    m.detail = detail;
    if (previous != status) {
      actions.add(new Action.Log(LogEvent.STATUS_REPORTED, "application", application, "status", status,
          "detail", detail.isEmpty() ? "-" : detail));
    }
    Pair pair = m.pair;
    modes.giveAModeForItsStatus(m, now, actions);
    switch (status) {
      case RUNNING -> {
        if (pair != null && pair.deferred != null) {
          Member primary = pair.primary();
          if (primary == m) {
            pair.deferred = null; // the primary can serve again: nothing to switch
          } else if (primary != null && pair.other(primary) == m) {
            switchovers.start(pair, pair.deferred, 0, now, actions);
          }
        }
      }
      case SERVICE_UNAVAILABLE -> {
        if (pair != null && pair.primary() == m && pair.inFlight == null) {
          switchovers.start(pair, SwitchoverCause.SERVICE_UNAVAILABLE_REPORTED, 0, now, actions);
        } else if (pair != null && pair.primary() == m) {
          // The new primary of a switchover still in flight already asks for the next one: it
          // starts when this one ends, or the primary would wait for ever (its report was delivered).
          pair.deferred = SwitchoverCause.SERVICE_UNAVAILABLE_REPORTED;
          actions.add(new Action.Log(LogEvent.SWITCHOVER_DEFERRED, "pair", pair.describe(), "primary", m.name,
              "reason", "a switchover of " + pair.describe() + " is in flight"));
        }
      }
      default -> {
        if (pair != null && pair.deferred != null && pair.primary() == m) {
          pair.deferred = null;
        }
      }
    }
  }

  public List<Action> modeAcknowledged(String application, long session, long commandId, Mode mode, long epoch,
      Instant now) {
    List<Action> actions = new ArrayList<>();
    Member m = state.member(application);
    // An acknowledgement repeats the command's epoch; one naming another would be kept as the
    // pair's epoch (and in its memory, for the next leader to judge primary claims by).
    if (m == null || m.session != session || m.pendingCommand != commandId || m.mode != mode
        || epoch != m.commandedEpoch) {
      return actions;
    }
    m.pendingCommand = 0;
    m.acknowledged = true;
    m.epoch = epoch;
    actions.add(new Action.Log(LogEvent.MODE_ACKNOWLEDGED, "application", application, "mode", mode, "epoch", epoch));
    switchovers.acknowledged(m, now, actions);
    return actions;
  }

  /** An operator's switchover of the pair {@code application} belongs to; answered by a CompleteRequest. */
  public List<Action> switchoverRequested(String application, long requestId, Instant now) {
    List<Action> actions = new ArrayList<>();
    switchovers.requested(application, state.member(application), requestId, now, actions);
    return actions;
  }

  /** Deadlines, when this Management Layer's process has not been paused. */
  public List<Action> tick(Instant now) {
    return tick(now, List.of());
  }

  /**
   * Deadlines: hung applications, failovers, switchover timeouts; to be called every
   * {@link #TICK_PERIOD}. {@code paused} are the times this Management Layer's process did not run
   * (stopped, in a long garbage collection), as measured apart from the thread that feeds this
   * controller: the heartbeats sent meanwhile were still in the sockets, so that time is nobody's
   * silence. Time that thread spends working is no pause: heartbeats are stamped when received.
   */
  public List<Action> tick(Instant now, List<Pause> paused) {
    List<Action> actions = new ArrayList<>();
    RedundancySettings settings = state.settings();
    paused.forEach(liveness::notePause);
    for (Member m : state.members()) {
      if (m.alive() && liveness.silence(m.lastHeartbeat, now).compareTo(settings.heartbeatTimeout()) >= 0
          && detectsHung) {
        m.hung = true;
        actions.add(new Action.Log(LogEvent.APPLICATION_HUNG, "application", m.name, "silent_for_ms",
            liveness.silence(m.lastHeartbeat, now).toMillis(), "mode", m.mode, "failover_in_ms",
            m.pair != null && m.mode == Mode.PRIMARY ? settings.disconnectSwitchoverTimeout().toMillis() : "-"));
        switchovers.lost(m, now, actions);
      }
    }
    for (Pair pair : state.pairs()) {
      switchovers.checkDeadline(pair, now, actions);
      Member primary = pair.primary();
      if (primary != null && switchovers.failoverDue(pair, primary, now)) {
        switchovers.failover(pair, primary, now, actions);
      } else if (primary == null && pair.inFlight == null) {
        modes.chooseFirstPrimary(pair, now, actions);
      }
    }
    for (Member m : state.members()) {
      // The instance before it did not return in time (a lost primary was failed over above).
      if (admission.admitWaitingNewcomer(m, now, actions)) {
        applyStatus(m, m.status, m.detail, now, actions);
      }
    }
    liveness.forgetPausesBefore(state.members(), now);
    return actions;
  }

  // ---- status ------------------------------------------------------------------------------

  /**
   * Mode changes since this controller started, by pair ("first/second"), as the flapping alarm
   * counts them: not a member's first mode, nor an epoch a member's hello brings.
   */
  public Map<String, Long> modeChangesByPair() {
    return modeChanges.byPair();
  }

  /** Every pair, then every standalone application that has connected, without {@code as_of}. */
  public PairsStatus status(Instant now) {
    return PairsReport.of(state, modeChanges, now);
  }
}
