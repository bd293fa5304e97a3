package io.tandem.management.redundancy;

import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import io.tandem.protocol.pairs.RedundantPairs;
import io.tandem.protocol.log.LogEvent;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.MemberStatus;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.PairStatus;
import io.tandem.management.v1.PairsStatus;
import io.tandem.management.v1.SwitchoverCause;
import io.tandem.management.v1.SwitchoverRecord;
import io.tandem.management.v1.SwitchoverReply;
import io.tandem.management.v1.SwitchoverResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Who serves: the Management Layer's decisions about primary/backup pairs, as a pure state
 * machine. Every input carries the time; every output is an {@link Action}. Not thread-safe:
 * one thread feeds it.
 *
 * <ul>
 *   <li>Pairs come from configuration by the one rule of {@link RedundantPairs}.
 *   <li>The first member of a pair to report {@code RUNNING} becomes primary, the other backup;
 *       a standalone application is primary. A member that joins while its peer is primary is
 *       backup.
 *   <li>A primary reporting {@code SERVICE_UNAVAILABLE} is switched over if its backup is alive
 *       and {@code RUNNING}; otherwise the request waits for the backup to report
 *       {@code RUNNING}. One switchover per pair is in flight, with a deadline.
 *   <li>An application is <em>alive</em> while its stream is open and its heartbeats arrive; one
 *       silent for {@code heartbeat-timeout} is hung, and treated exactly like a lost connection.
 *       A primary that stays lost (or hung) for {@code disconnect-switchover-timeout} is failed
 *       over to its backup, if that one is alive and {@code RUNNING}.
 *   <li>Every mode command carries the pair's epoch, which grows whenever the pair's primary
 *       changes (and is recovered from the members' hellos after a restart), so an application can
 *       refuse a command older than the last one it obeyed.
 *   <li>One live process per application: another instance is refused while the current one is
 *       alive; the same instance reconnecting replaces its old stream.
 * </ul>
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

  private final Set<Flaw> flaws;
  private RedundancySettings settings;
  private final Map<String, Member> members = new TreeMap<>();
  private final List<Pair> pairs = new ArrayList<>();
  private long commandIds;
  /**
   * The least epoch this controller issues: its start time in milliseconds. A restarted Management
   * Layer knows only the epochs its members claim; one it has not heard from (dead, or frozen and
   * still believing it is primary) may hold a higher one, so counting on from the claims could
   * issue that epoch again. Starting from the clock never does.
   */
  private long epochFloor;
  private long switchoverIds;
  /**
   * When this Management Layer's process did not run (disjoint spans, by start), kept as far back
   * as the oldest last heartbeat of an application that is alive: heartbeats sent meanwhile waited
   * in the sockets, so these spans count as nobody's silence.
   */
  private final TreeMap<Instant, Instant> pauses = new TreeMap<>();
  /** Mode changes since this controller started, by pair ("first/second"); never reset. */
  private final Map<String, Long> modeChangesByPair = new TreeMap<>();

  public RedundancyController(RedundancySettings settings) {
    this(settings, EnumSet.noneOf(Flaw.class));
  }

  /** A controller with deliberately broken rules: the simulator's mutants only. */
  public RedundancyController(RedundancySettings settings, Set<Flaw> flaws) {
    this.settings = settings;
    this.flaws = flaws.isEmpty() ? EnumSet.noneOf(Flaw.class) : EnumSet.copyOf(flaws);
  }

  // ---- state -------------------------------------------------------------------------------

  private static final class Member {
    final String name;
    boolean configured;
    boolean everConnected;
    boolean connected;
    long session;
    String instanceId = "";
    String clientAddress = "";
    String peer = "";
    AppStatus status = AppStatus.APP_STATUS_UNSPECIFIED;
    String detail = "";
    Mode mode = Mode.MODE_UNSPECIFIED;
    boolean acknowledged;
    long pendingCommand;
    /** The epoch of the mode it last acknowledged (or claimed in its hello). */
    long epoch;
    /** The epoch of the last mode it was told or was adopted in (it may not have acknowledged it yet). */
    long commandedEpoch;
    Instant since;
    /** When it stopped being alive (stream lost, or hung); null while alive. */
    Instant lostAt;
    Instant lastHeartbeat;
    boolean hung;
    /** Reported RUNNING with no mode while its peer, unheard of, may still be primary. */
    boolean waitingForPeer;
    Pair pair;
    /** The epoch of a standalone member (a pair keeps its own). */
    long standaloneEpoch;
    /**
     * Another instance that said hello while the member's mode still belonged to an instance that
     * may return: it waits, without a mode, until that one is gone for good or returns.
     */
    Newcomer newcomer;

    Member(String name) {
      this.name = name;
    }

    boolean alive() {
      return connected && !hung;
    }
  }

  /** An instance waiting to take a member's place: its hello, and what it reported meanwhile. */
  private static final class Newcomer {
    final Arrival arrival;
    AppStatus status = AppStatus.INITIALIZING;
    String detail = "";
    Instant lastHeartbeat;

    Newcomer(Arrival arrival, Instant now) {
      this.arrival = arrival;
      this.lastHeartbeat = now;
    }

    boolean is(long session) {
      return arrival.session() == session;
    }
  }

  private static final class Pair {
    Member first;
    Member second;
    long epoch;
    Switchover inFlight;
    SwitchoverCause deferred;
    SwitchoverRecord last;
    final Deque<Instant> modeChanges = new ArrayDeque<>();
    Instant lastFlappingAlarm;

    Pair(Member first, Member second) {
      this.first = first;
      this.second = second;
    }

    Member primary() {
      return first.mode == Mode.PRIMARY ? first : second.mode == Mode.PRIMARY ? second : null;
    }

    Member other(Member m) {
      return m == first ? second : first;
    }

    boolean sameMembers(RedundantPairs.Pair wanted) {
      return wanted.contains(first.name) && wanted.contains(second.name);
    }

    String describe() {
      return first.name + "/" + second.name;
    }
  }

  private static final class Switchover {
    final long id;
    final SwitchoverCause cause;
    final String detail;
    final Member from;
    final Member to;
    final Instant started;
    final Instant deadline;
    final Set<String> awaiting = new LinkedHashSet<>();
    final long requestId;

    Switchover(long id, SwitchoverCause cause, String detail, Member from, Member to, Instant started,
        Instant deadline, long requestId) {
      this.id = id;
      this.cause = cause;
      this.detail = detail;
      this.from = from;
      this.to = to;
      this.started = started;
      this.deadline = deadline;
      this.requestId = requestId;
    }
  }

  // ---- inputs ------------------------------------------------------------------------------

  public RedundancySettings settings() {
    return settings;
  }

  /**
   * The applications in configuration and each one's {@code backup} ("" for none), and this
   * Management Layer's options. Pairs form, change and dissolve to match; applications are told
   * a new heartbeat interval when it changes.
   */
  public List<Action> configure(Map<String, String> backupOf, RedundancySettings newSettings, Instant now) {
    List<Action> actions = new ArrayList<>();
    if (epochFloor == 0) {
      epochFloor = now.toEpochMilli();
    }
    Duration interval = settings.heartbeatInterval();
    settings = newSettings;
    if (!interval.equals(settings.heartbeatInterval())) {
      for (Member m : members.values()) {
        if (m.connected) {
          actions.add(new Action.SendSettings(m.name, m.session, settings.heartbeatInterval()));
        }
      }
    }
    for (Member m : members.values()) {
      m.configured = backupOf.containsKey(m.name);
    }
    // A member not heard from since this Management Layer started may still run as primary under
    // an epoch this one does not know: it counts as lost since now, so its peer waits out the
    // failover timeout before it is made primary in its place.
    backupOf.keySet().forEach(name -> members.computeIfAbsent(name, n -> {
      Member m = new Member(n);
      m.lostAt = now;
      return m;
    }).configured = true);

    List<RedundantPairs.Pair> wanted = RedundantPairs.of(backupOf).pairs();
    boolean changed = false;
    for (Pair pair : List.copyOf(pairs)) {
      RedundantPairs.Pair keep = wanted.stream().filter(pair::sameMembers).findFirst().orElse(null);
      if (keep == null) {
        changed = true;
        dissolve(pair, now, actions);
      } else if (!keep.first().equals(pair.first.name)) {
        // The same two members, named the other way round: the pair and its modes stay as they are.
        changed = true;
        Member first = pair.first;
        pair.first = pair.second;
        pair.second = first;
      }
    }
    for (RedundantPairs.Pair w : wanted) {
      if (pairs.stream().noneMatch(p -> p.sameMembers(w))) {
        changed = true;
        form(members.get(w.first()), members.get(w.second()), now, actions);
      }
    }
    if (changed) {
      actions.add(new Action.Log(LogEvent.PAIRS_CONFIGURED, "pairs", pairs.stream().map(Pair::describe).toList()));
    }
    return actions;
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
    String app = arrival.application();
    Member m = members.get(app);
    if (m == null || !m.configured) {
      refuse(arrival, Status.FAILED_PRECONDITION.withDescription(
          "hello.application: no Application named '" + app + "' in the configuration"), Duration.ZERO, actions);
      return actions;
    }
    if (arrival.instanceId().equals(m.instanceId)) {
      if (m.newcomer != null) {
        turnAwayNewcomer(m, "reconnected", actions);
      }
      if (m.connected) {
        replaceStream(m, arrival.session(), "replaced by a newer stream of the same instance", now, actions);
      }
      admit(m, arrival, now, actions);
      return actions;
    }
    Newcomer waiting = m.newcomer;
    if (waiting != null) {
      if (silence(waiting.lastHeartbeat, now).compareTo(settings.heartbeatTimeout()) < 0) {
        refuseDuplicate(arrival, waiting.arrival.instanceId(), waiting.arrival.clientAddress(), waiting.arrival.peer(),
            "and waits to take the place of the instance before it", actions);
        return actions;
      }
      m.newcomer = null;
      String why = "replaced by instance " + arrival.instanceId() + ": instance " + waiting.arrival.instanceId()
          + ", waiting to take " + app + "'s place, went silent";
      actions.add(new Action.EndSession(app, waiting.arrival.session(), Status.ABORTED.withDescription(why)));
      actions.add(new Action.Log(LogEvent.SESSION_REPLACED, "application", app, "old_session",
          waiting.arrival.session(), "new_session", arrival.session(), "reason", why));
    }
    if (m.alive()) {
      if (m.mode == Mode.MODE_UNSPECIFIED && arrival.claimedEpoch() >= epochOf(m)
          && claimFits(m, arrival.claimedMode(), arrival.claimedEpoch())) {
        // The live instance has been given no mode; this one runs in the mode the pair expects of
        // the member: it is the member's process, the other a duplicate (after a restart of this
        // Management Layer, whichever said hello first).
        String why = app + " is running as instance " + arrival.instanceId() + " (client address "
            + orDash(arrival.clientAddress()) + ", connected from " + orDash(arrival.peer()) + ") in mode "
            + arrival.claimedMode() + " under epoch " + arrival.claimedEpoch() + ", and this instance has no mode";
        actions.add(new Action.EndSession(app, m.session, Status.ALREADY_EXISTS.withDescription("hello.instance_id: "
            + why + "; stop this process, or wait until that one is lost or hung"), settings.duplicateRetryWindow()));
        actions.add(new Action.Log(LogEvent.SESSION_REPLACED, "application", app, "old_session", m.session,
            "new_session", arrival.session(), "reason", why));
        m.connected = false;
        m.waitingForPeer = false;
        admit(m, arrival, now, actions);
        return actions;
      }
      refuseDuplicate(arrival, m.instanceId, m.clientAddress, m.peer, "and is alive", actions);
      return actions;
    }
    if (flaws.contains(Flaw.INHERIT_MODE)) {
      if (m.connected) {
        replaceStream(m, arrival.session(), "replaced by instance " + arrival.instanceId(), now, actions);
      }
      admit(m, arrival, now, actions);
      return actions;
    }
    if (m.mode != Mode.MODE_UNSPECIFIED && withinGrace(m, now)) {
      m.newcomer = new Newcomer(arrival, now);
      actions.add(new Action.SendSettings(app, arrival.session(), settings.heartbeatInterval()));
      actions.add(new Action.Log(LogEvent.NEWCOMER_WAITS, "application", app, "instance", arrival.instanceId(),
          "previous", m.instanceId, "mode", m.mode, "wait_ms",
          Duration.between(now, m.lostAt.plus(settings.disconnectSwitchoverTimeout())).toMillis()));
      return actions;
    }
    succeed(m, arrival, now, actions);
    return actions;
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

  /** Ends {@code m}'s current stream: a newer one ({@code newSession}) takes its place. */
  private void replaceStream(Member m, long newSession, String why, Instant now, List<Action> actions) {
    actions.add(new Action.EndSession(m.name, m.session, Status.ABORTED.withDescription(why)));
    actions.add(new Action.Log(LogEvent.SESSION_REPLACED, "application", m.name, "old_session", m.session,
        "new_session", newSession, "reason", why));
    m.connected = false;
    if (!m.hung) {
      lose(m, now, actions);
    }
    m.hung = false;
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
    actions.add(new Action.SendSettings(app, m.session, settings.heartbeatInterval()));
    if (m.mode != Mode.MODE_UNSPECIFIED) {
      command(m, m.mode, "reconnected: mode unchanged", now, actions);
    } else {
      adopt(m, arrival.claimedMode(), arrival.claimedEpoch(), now, actions);
    }
    Member peer = m.pair == null ? null : m.pair.other(m);
    if (peer != null && peer.waitingForPeer && peer.mode == Mode.MODE_UNSPECIFIED && ready(peer)) {
      // The member it waited for has said which mode it runs in: the wait is over.
      peer.waitingForPeer = false;
      assignFirstMode(peer, now, actions);
    }
  }

  /** The instance waiting to take {@code m}'s place is refused: the one before it is alive after all. */
  private void turnAwayNewcomer(Member m, String what, List<Action> actions) {
    Arrival waiting = m.newcomer.arrival;
    m.newcomer = null;
    refuse(waiting, Status.ALREADY_EXISTS.withDescription("hello.instance_id: " + m.name + " is already running as "
        + "instance " + m.instanceId + " (client address " + orDash(m.clientAddress) + ", connected from "
        + orDash(m.peer) + "), which " + what + " before it could be replaced and is alive; stop this process, or "
        + "wait until that one is lost or hung"), settings.duplicateRetryWindow(), actions);
  }

  private void refuseDuplicate(Arrival arrival, String instance, String clientAddress, String peer, String state,
      List<Action> actions) {
    refuse(arrival, Status.ALREADY_EXISTS.withDescription("hello.instance_id: " + arrival.application()
        + " is already running as instance " + instance + " (client address " + orDash(clientAddress)
        + ", connected from " + orDash(peer) + ") " + state + "; stop that process first, or wait until it is lost "
        + "or hung"), settings.duplicateRetryWindow(), actions);
  }

  public List<Action> disconnected(String application, long session, Instant now) {
    List<Action> actions = new ArrayList<>();
    Member m = members.get(application);
    if (m != null && m.newcomer != null && m.newcomer.is(session)) {
      m.newcomer = null;
      actions.add(new Action.Log(LogEvent.APPLICATION_LOST, "application", application, "session", session,
          "mode", Mode.MODE_UNSPECIFIED, "failover_in_ms", "-"));
      return actions;
    }
    if (m == null || !m.connected || m.session != session) {
      return actions;
    }
    m.connected = false;
    actions.add(new Action.Log(LogEvent.APPLICATION_LOST, "application", application, "session", session,
        "mode", m.mode, "failover_in_ms", m.pair != null && m.mode == Mode.PRIMARY && !m.hung
            ? settings.disconnectSwitchoverTimeout().toMillis() : "-"));
    if (m.hung) {
      m.hung = false; // already lost when it went silent
    } else {
      lose(m, now, actions);
    }
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
    Member m = members.get(application);
    if (m != null && m.newcomer != null && m.newcomer.is(session)) {
      m.newcomer.lastHeartbeat = latest(m.newcomer.lastHeartbeat, receivedAt);
      return actions;
    }
    if (m == null || !m.connected || m.session != session) {
      return actions;
    }
    Instant previous = m.lastHeartbeat;
    m.lastHeartbeat = latest(previous, receivedAt);
    if (!m.hung) {
      return actions;
    }
    m.hung = false;
    if (m.newcomer != null) {
      turnAwayNewcomer(m, "sent heartbeats again", actions);
    }
    actions.add(new Action.Log(LogEvent.HEARTBEATS_RESUMED, "application", application, "silent_for_ms",
        silence(previous, m.lastHeartbeat).toMillis(), "mode", m.mode));
    Pair pair = m.pair;
    if (pair == null || pair.primary() != m || pair.inFlight == null) {
      m.lostAt = null; // back in time: as a reconnect within the failover timeout
    }
    if (m.mode != Mode.MODE_UNSPECIFIED) {
      command(m, m.mode, "heartbeats resumed: its mode, again", now, actions);
    } else {
      // Its status came before it went silent; while it was hung its peer may have become primary.
      giveAModeForItsStatus(m, now, actions);
    }
    if (pair != null && pair.deferred != null && pair.primary() != null && pair.other(pair.primary()) == m
        && ready(m)) {
      // The backup a deferred switchover waited for is back, RUNNING as it reported before it went silent.
      start(pair, pair.deferred, 0, now, actions);
    }
    return actions;
  }

  public List<Action> statusReported(String application, long session, AppStatus status, String detail, Instant now) {
    List<Action> actions = new ArrayList<>();
    Member m = members.get(application);
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
    giveAModeForItsStatus(m, now, actions);
    switch (status) {
      case RUNNING -> {
        if (pair != null && pair.deferred != null) {
          Member primary = pair.primary();
          if (primary == m) {
            pair.deferred = null; // the primary can serve again: nothing to switch
          } else if (primary != null && pair.other(primary) == m) {
            start(pair, pair.deferred, 0, now, actions);
          }
        }
      }
      case SERVICE_UNAVAILABLE -> {
        if (pair != null && pair.primary() == m && pair.inFlight == null) {
          start(pair, SwitchoverCause.SERVICE_UNAVAILABLE_REPORTED, 0, now, actions);
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
    Member m = members.get(application);
    if (m == null || m.session != session || m.pendingCommand != commandId || m.mode != mode) {
      return actions;
    }
    m.pendingCommand = 0;
    m.acknowledged = true;
    m.epoch = epoch;
    actions.add(new Action.Log(LogEvent.MODE_ACKNOWLEDGED, "application", application, "mode", mode, "epoch", epoch));
    Pair pair = m.pair;
    if (pair != null && pair.inFlight != null && pair.inFlight.awaiting.remove(application)
        && pair.inFlight.awaiting.isEmpty()) {
      finish(pair, pair.inFlight, SwitchoverResult.DONE, "", now, actions);
    }
    return actions;
  }

  /** An operator's switchover of the pair {@code application} belongs to; answered by a CompleteRequest. */
  public List<Action> switchoverRequested(String application, long requestId, Instant now) {
    List<Action> actions = new ArrayList<>();
    Member m = members.get(application);
    if (m == null || m.pair == null) {
      actions.add(new Action.CompleteRequest(requestId, reply(SwitchoverResult.NO_SUCH_PAIR,
          m == null ? "" : primaryName(m), 0, application + " is not a member of a redundant pair")));
      return actions;
    }
    start(m.pair, SwitchoverCause.MANUAL, requestId, now, actions);
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
    paused.forEach(this::notePause);
    for (Member m : members.values()) {
      if (m.alive() && silence(m.lastHeartbeat, now).compareTo(settings.heartbeatTimeout()) >= 0
          && !flaws.contains(Flaw.NO_HUNG_DETECTION)) {
        m.hung = true;
        actions.add(new Action.Log(LogEvent.APPLICATION_HUNG, "application", m.name, "silent_for_ms",
            silence(m.lastHeartbeat, now).toMillis(), "mode", m.mode, "failover_in_ms",
            m.pair != null && m.mode == Mode.PRIMARY ? settings.disconnectSwitchoverTimeout().toMillis() : "-"));
        lose(m, now, actions);
      }
    }
    for (Pair pair : pairs) {
      Switchover sw = pair.inFlight;
      if (sw != null && !now.isBefore(sw.deadline)) {
        finish(pair, sw, SwitchoverResult.TIMED_OUT, "not acknowledged by " + String.join(", ", sw.awaiting)
            + " within " + settings.switchoverTimeout().toMillis() + " ms", now, actions);
      }
      Member primary = pair.primary();
      if (primary != null && !primary.alive() && primary.lostAt != null && pair.inFlight == null
          && !now.isBefore(primary.lostAt.plus(settings.disconnectSwitchoverTimeout()))) {
        failover(pair, primary, now, actions);
      } else if (primary == null && pair.inFlight == null) {
        chooseFirstPrimary(pair, now, actions);
      }
    }
    for (Member m : members.values()) {
      Newcomer waiting = m.newcomer;
      if (waiting != null && !m.alive() && (m.mode == Mode.MODE_UNSPECIFIED || !withinGrace(m, now))) {
        // The instance before it did not return in time (a lost primary was failed over above).
        m.newcomer = null;
        succeed(m, waiting.arrival, now, actions);
        m.lastHeartbeat = waiting.lastHeartbeat;
        m.status = waiting.status; // logged when it was reported
        applyStatus(m, waiting.status, waiting.detail, now, actions);
      }
    }
    forgetPausesBefore(now);
    return actions;
  }

  // ---- silence ------------------------------------------------------------------------------

  private static Instant latest(Instant a, Instant b) {
    return a == null || b.isAfter(a) ? b : a;
  }

  /** How long an application last heard at {@code lastHeard} has been silent: the time since, less this process's pauses. */
  private Duration silence(Instant lastHeard, Instant now) {
    Duration silent = Duration.between(lastHeard, now);
    for (Map.Entry<Instant, Instant> pause : pauses.entrySet()) {
      Instant from = latest(pause.getKey(), lastHeard);
      Instant to = pause.getValue().isAfter(now) ? now : pause.getValue();
      if (to.isAfter(from)) {
        silent = silent.minus(Duration.between(from, to));
      }
    }
    return silent;
  }

  /** Adds a pause; a span reported twice (once going on, once whole) counts once. */
  private void notePause(Pause pause) {
    Instant from = pause.from();
    Instant to = pause.to();
    if (!to.isAfter(from)) {
      return;
    }
    Map.Entry<Instant, Instant> before = pauses.floorEntry(from);
    if (before != null && !before.getValue().isBefore(from)) {
      from = before.getKey();
      to = latest(to, before.getValue());
    }
    for (Map.Entry<Instant, Instant> overlapping = pauses.ceilingEntry(from);
        overlapping != null && !overlapping.getKey().isAfter(to); overlapping = pauses.ceilingEntry(from)) {
      to = latest(to, overlapping.getValue());
      pauses.remove(overlapping.getKey());
    }
    pauses.put(from, to);
  }

  /** Pauses that ended before every live application's (or waiting instance's) last heartbeat count for nobody. */
  private void forgetPausesBefore(Instant now) {
    Instant oldest = now;
    for (Member m : members.values()) {
      if (m.alive() && m.lastHeartbeat.isBefore(oldest)) {
        oldest = m.lastHeartbeat;
      }
      if (m.newcomer != null && m.newcomer.lastHeartbeat.isBefore(oldest)) {
        oldest = m.newcomer.lastHeartbeat;
      }
    }
    Instant needed = oldest;
    pauses.headMap(needed).entrySet().removeIf(pause -> !pause.getValue().isAfter(needed));
  }

  // ---- decisions -----------------------------------------------------------------------------

  private void refuse(Arrival arrival, Status status, Duration retryFor, List<Action> actions) {
    actions.add(new Action.Log(LogEvent.APPLICATION_REFUSED, "application", arrival.application(),
        "instance", arrival.instanceId(), "peer", orDash(arrival.peer()), "code", status.getCode(),
        "reason", status.getDescription()));
    actions.add(new Action.EndSession(arrival.application(), arrival.session(), status, retryFor));
  }

  /** {@code m} stopped being alive (stream lost, or hung): a switchover waiting for it cannot count on it. */
  private void lose(Member m, Instant now, List<Action> actions) {
    m.lostAt = now;
    Pair pair = m.pair;
    Switchover sw = pair == null ? null : pair.inFlight;
    if (sw != null && sw.awaiting.contains(m.name)) {
      if (sw.to == m) {
        finish(pair, sw, SwitchoverResult.TIMED_OUT, m.name + " was lost before acknowledging PRIMARY", now, actions);
      } else {
        // The old primary is gone: it learns it is backup when it returns. The new primary decides the result.
        sw.awaiting.remove(m.name);
        if (sw.awaiting.isEmpty()) {
          finish(pair, sw, SwitchoverResult.DONE, "", now, actions);
        }
      }
    }
  }

  /**
   * Adopts the mode an application claims to run in when it fits: a standalone is primary; one
   * primary per pair, unless the claim comes with a newer epoch than the peer's (the peer is the
   * stale one, and is told to be backup).
   */
  private void adopt(Member m, Mode claimed, long claimedEpoch, Instant now, List<Action> actions) {
    if (!claimFits(m, claimed, claimedEpoch)) {
      return;
    }
    Member peer = m.pair == null ? null : m.pair.other(m);
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
  private static boolean claimFits(Member m, Mode claimed, long claimedEpoch) {
    if (claimed != Mode.PRIMARY && claimed != Mode.BACKUP) {
      return false;
    }
    Member peer = m.pair == null ? null : m.pair.other(m);
    if (peer == null) {
      return claimed == Mode.PRIMARY;
    }
    if (claimed == Mode.PRIMARY) {
      // Against the epoch the peer was made primary under, acknowledged or not yet.
      return peer.mode != Mode.PRIMARY || claimedEpoch > Math.max(peer.epoch, peer.commandedEpoch);
    }
    return peer.mode != Mode.BACKUP;
  }

  /**
   * A member that has no mode yet gets one when its status calls for it: {@code RUNNING}, or
   * {@code SERVICE_UNAVAILABLE} standalone or beside a primary.
   */
  private void giveAModeForItsStatus(Member m, Instant now, List<Action> actions) {
    if (m.mode != Mode.MODE_UNSPECIFIED) {
      return;
    }
    if (m.status == AppStatus.RUNNING || (m.status == AppStatus.SERVICE_UNAVAILABLE && m.pair == null)) {
      assignFirstMode(m, now, actions);
    } else if (m.status == AppStatus.SERVICE_UNAVAILABLE && m.pair.other(m).mode == Mode.PRIMARY) {
      command(m, Mode.BACKUP, "unavailable, and " + m.pair.other(m).name + " is primary", now, actions);
    }
  }

  private void assignFirstMode(Member m, Instant now, List<Action> actions) {
    Pair pair = m.pair;
    if (pair == null) {
      m.standaloneEpoch = nextEpoch(m.standaloneEpoch);
      command(m, Mode.PRIMARY, "standalone", now, actions);
      return;
    }
    Member peer = pair.other(m);
    if (peer.mode == Mode.PRIMARY && (peer.alive() || withinGrace(peer, now))) {
      command(m, Mode.BACKUP, peer.name + " is primary", now, actions);
    } else if (peer.mode == Mode.MODE_UNSPECIFIED && !peer.connected && withinGrace(peer, now)) {
      // Its mode is unknown and it may be primary still: wait for it to say (tick decides when the wait ends).
      if (!m.waitingForPeer) {
        m.waitingForPeer = true;
        actions.add(new Action.Log(LogEvent.MODE_WITHHELD, "application", m.name, "peer", peer.name,
            "wait_ms", Duration.between(now, peer.lostAt.plus(settings.disconnectSwitchoverTimeout())).toMillis()));
      }
    } else {
      if (peer.mode == Mode.PRIMARY) {
        peer.mode = Mode.BACKUP; // lost for longer than the failover timeout; told when it returns
        peer.acknowledged = false;
        peer.since = now;
      }
      pair.epoch = nextEpoch(pair.epoch);
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
  private void chooseFirstPrimary(Pair pair, Instant now, List<Action> actions) {
    for (Member m : List.of(pair.first, pair.second)) {
      Member peer = pair.other(m);
      boolean peerMayBePrimary = peer.mode == Mode.PRIMARY || (!peer.connected && withinGrace(peer, now));
      if (!ready(m) || m.mode == Mode.PRIMARY || peerMayBePrimary) {
        continue;
      }
      m.waitingForPeer = false;
      if (m.mode == Mode.MODE_UNSPECIFIED) {
        assignFirstMode(m, now, actions);
      } else {
        pair.epoch = nextEpoch(pair.epoch);
        command(m, Mode.PRIMARY, "the pair has no primary and " + peer.name + (peer.connected ? " is " + peer.status
            : " has been silent for " + settings.disconnectSwitchoverTimeout().toMillis() + " ms"), now, actions);
        noteModeChange(pair, now, actions);
      }
      return;
    }
  }

  /** The epoch after {@code current}: never one a previous Management Layer could have issued. */
  private long nextEpoch(long current) {
    return Math.max(current + 1, epochFloor);
  }

  private boolean withinGrace(Member m, Instant now) {
    return m.lostAt != null && now.isBefore(m.lostAt.plus(settings.disconnectSwitchoverTimeout()));
  }

  /**
   * A pair is formed in configuration. When both members are primary (they were standalone), the
   * one that is alive and {@code RUNNING} stays primary (the longer-serving one if both or neither
   * are), the other becomes backup: a member that is not alive and {@code RUNNING} is never made
   * primary by re-forming a pair.
   */
  private void form(Member first, Member second, Instant now, List<Action> actions) {
    Pair pair = new Pair(first, second);
    pair.epoch = Math.max(epochOf(first), epochOf(second));
    pairs.add(pair);
    first.pair = pair;
    second.pair = pair;
    if (first.mode == Mode.PRIMARY && second.mode == Mode.PRIMARY) {
      Member keep = ready(first) != ready(second) ? (ready(first) ? first : second)
          : !second.since.isBefore(first.since) ? first : second;
      Member demoted = pair.other(keep);
      pair.epoch = nextEpoch(pair.epoch);
      String reason = "pair " + pair.describe() + " formed: " + keep.name + " stays primary";
      command(keep, Mode.PRIMARY, reason, now, actions);
      command(demoted, Mode.BACKUP, reason, now, actions);
      pair.last = record(SwitchoverCause.PAIR_CONFIGURED, SwitchoverResult.DONE, reason, now, 0, demoted.name, keep.name);
      noteModeChange(pair, now, actions);
    }
  }

  /**
   * A pair leaves the configuration: each member is standalone from now on. A backup becomes
   * primary only if it is alive and {@code RUNNING}; otherwise it gets its mode when it reports
   * {@code RUNNING}.
   */
  private void dissolve(Pair pair, Instant now, List<Action> actions) {
    pairs.remove(pair);
    if (pair.inFlight != null) {
      finish(pair, pair.inFlight, SwitchoverResult.NO_SUCH_PAIR, "the pair was removed from configuration", now,
          actions);
    }
    for (Member m : List.of(pair.first, pair.second)) {
      m.pair = null;
      m.standaloneEpoch = Math.max(m.standaloneEpoch, pair.epoch);
      if (m.mode != Mode.BACKUP) {
        continue;
      }
      if (ready(m)) {
        m.standaloneEpoch = nextEpoch(m.standaloneEpoch);
        command(m, Mode.PRIMARY, "no longer in a redundant pair: standalone", now, actions);
      } else {
        m.mode = Mode.MODE_UNSPECIFIED;
        m.acknowledged = false;
        m.since = now;
      }
    }
  }

  private static boolean ready(Member m) {
    return m.alive() && m.status == AppStatus.RUNNING;
  }

  private void start(Pair pair, SwitchoverCause cause, long requestId, Instant now, List<Action> actions) {
    Member primary = pair.primary();
    String label = primary == null ? pair.describe() : primary.name;
    actions.add(new Action.Log(LogEvent.SWITCHOVER_REQUESTED, "pair", pair.describe(), "cause", cause,
        "primary", primary == null ? "-" : primary.name));
    if (pair.inFlight != null) {
      refuseSwitchover(pair, cause, requestId, SwitchoverResult.ALREADY_IN_PROGRESS,
          "a switchover of " + pair.describe() + " is already in flight", now, actions);
      return;
    }
    if (primary == null) {
      refuseSwitchover(pair, cause, requestId, SwitchoverResult.BACKUP_NOT_READY, pair.describe() + " has no primary yet",
          now, actions);
      return;
    }
    Member backup = pair.other(primary);
    if (!ready(backup)) {
      String why = backup.name + (!backup.connected ? " is not connected" : backup.hung ? " is hung" : " is " + backup.status);
      if (cause == SwitchoverCause.SERVICE_UNAVAILABLE_REPORTED) {
        pair.deferred = cause;
        actions.add(new Action.Log(LogEvent.SWITCHOVER_DEFERRED, "pair", pair.describe(), "primary", label,
            "reason", why));
      }
      refuseSwitchover(pair, cause, requestId, SwitchoverResult.BACKUP_NOT_READY, why, now, actions);
      return;
    }
    pair.deferred = null;
    String reason = "switchover (" + describe(cause) + ")";
    Switchover sw = new Switchover(++switchoverIds, cause, reason, primary, backup, now,
        now.plus(settings.switchoverTimeout()), requestId);
    pair.inFlight = sw;
    pair.epoch = nextEpoch(pair.epoch);
    command(backup, Mode.PRIMARY, reason, now, actions);
    sw.awaiting.add(backup.name);
    command(primary, Mode.BACKUP, reason, now, actions);
    if (primary.alive()) {
      sw.awaiting.add(primary.name);
    }
  }

  private void failover(Pair pair, Member lost, Instant now, List<Action> actions) {
    Member backup = pair.other(lost);
    if (!ready(backup)) {
      return; // nobody to promote yet; tried again on every tick
    }
    long lostForMs = Duration.between(lost.lostAt, now).toMillis();
    SwitchoverCause cause = lost.hung ? SwitchoverCause.PRIMARY_HUNG : SwitchoverCause.FAILOVER;
    String detail = lost.hung
        ? lost.name + " hung: no heartbeat for " + Duration.between(lost.lastHeartbeat, now).toMillis() + " ms"
        : lost.name + " lost for " + lostForMs + " ms";
    actions.add(new Action.Log(LogEvent.FAILOVER, "pair", pair.describe(), "lost", lost.name, "promoted", backup.name,
        "lost_for_ms", lostForMs, "cause", detail));
    Switchover sw = new Switchover(++switchoverIds, cause, detail, lost, backup, now,
        now.plus(settings.switchoverTimeout()), 0);
    pair.inFlight = sw;
    pair.deferred = null;
    pair.epoch = nextEpoch(pair.epoch);
    command(backup, Mode.PRIMARY, "failover: " + detail, now, actions);
    sw.awaiting.add(backup.name);
    // A hung primary still has its stream: the command waits there, so a thawed process reads
    // that it is backup before anything else it would act on.
    command(lost, Mode.BACKUP, "failover: " + detail, now, actions);
  }

  private void refuseSwitchover(Pair pair, SwitchoverCause cause, long requestId, SwitchoverResult result,
      String message, Instant now, List<Action> actions) {
    actions.add(new Action.Log(LogEvent.SWITCHOVER_REFUSED, "pair", pair.describe(), "cause", cause, "result", result,
        "reason", message, "ms", 0));
    Member primary = pair.primary();
    String name = primary == null ? "" : primary.name;
    pair.last = record(cause, result, message, now, 0, name, name);
    if (requestId != 0) {
      actions.add(new Action.CompleteRequest(requestId, reply(result, name, 0, message)));
    }
  }

  private void finish(Pair pair, Switchover sw, SwitchoverResult result, String message, Instant now,
      List<Action> actions) {
    long ms = Duration.between(sw.started, now).toMillis();
    pair.inFlight = null;
    pair.last = record(sw.cause, result, message.isEmpty() ? sw.detail : message, sw.started, ms, sw.from.name,
        sw.to.name);
    if (result == SwitchoverResult.DONE) {
      actions.add(new Action.Log(LogEvent.SWITCHOVER_DONE, "pair", pair.describe(), "cause", sw.cause,
          "from", sw.from.name, "to", sw.to.name, "ms", ms));
      noteModeChange(pair, now, actions);
    } else {
      actions.add(new Action.Log(LogEvent.SWITCHOVER_REFUSED, "pair", pair.describe(), "cause", sw.cause,
          "result", result, "reason", message, "ms", ms));
    }
    if (sw.requestId != 0) {
      Member primary = pair.primary();
      actions.add(new Action.CompleteRequest(sw.requestId,
          reply(result, primary == null ? "" : primary.name, ms, message)));
    }
    Member primary = pair.primary();
    if (pair.deferred != null && primary != null && primary.status == AppStatus.SERVICE_UNAVAILABLE) {
      start(pair, pair.deferred, 0, now, actions);
    }
  }

  private static SwitchoverRecord record(SwitchoverCause cause, SwitchoverResult result, String detail, Instant time,
      long ms, String from, String to) {
    return SwitchoverRecord.newBuilder().setTime(Timestamps.fromMillis(time.toEpochMilli())).setCause(cause)
        .setResult(result).setDurationMs(ms).setFromPrimary(from).setToPrimary(to).setDetail(detail).build();
  }

  /**
   * A mode change of {@code pair}: its primary changed hands (a switchover or failover done, a
   * pair formed that made one of two primaries backup, a primary chosen for a pair that had none).
   * What the flapping alarm and {@link #modeChangesByPair} count.
   */
  private void noteModeChange(Pair pair, Instant now, List<Action> actions) {
    modeChangesByPair.merge(pair.describe(), 1L, Long::sum);
    pair.modeChanges.addLast(now);
    Instant windowStart = now.minus(settings.flappingWindow());
    while (!pair.modeChanges.isEmpty() && pair.modeChanges.peekFirst().isBefore(windowStart)) {
      pair.modeChanges.removeFirst();
    }
    if (pair.modeChanges.size() > settings.flappingThreshold()
        && (pair.lastFlappingAlarm == null || !now.isBefore(pair.lastFlappingAlarm.plus(settings.flappingWindow())))) {
      pair.lastFlappingAlarm = now;
      actions.add(new Action.Log(LogEvent.FLAPPING, "pair", pair.describe(), "mode_changes", pair.modeChanges.size(),
          "window_s", settings.flappingWindow().toSeconds(), "threshold", settings.flappingThreshold()));
    }
  }

  private static long epochOf(Member m) {
    return m.pair != null ? m.pair.epoch : m.standaloneEpoch;
  }

  /** Tells {@code m} its mode under the current epoch of its pair (or of itself, standalone). */
  private void command(Member m, Mode mode, String reason, Instant now, List<Action> actions) {
    if (m.mode != mode) {
      m.since = now;
    }
    m.mode = mode;
    m.acknowledged = false;
    m.pendingCommand = ++commandIds;
    long epoch = epochOf(m);
    m.commandedEpoch = epoch;
    actions.add(new Action.Log(LogEvent.MODE_ASSIGNED, "application", m.name, "mode", mode, "reason", reason,
        "epoch", epoch, "delivered", m.connected ? "now" : "on reconnect"));
    if (m.connected) {
      actions.add(new Action.SendMode(m.name, m.session, m.pendingCommand, mode, epoch, reason));
    }
  }

  private static String describe(SwitchoverCause cause) {
    return switch (cause) {
      case SERVICE_UNAVAILABLE_REPORTED -> "SERVICE_UNAVAILABLE reported";
      case MANUAL -> "operator request";
      case FAILOVER -> "failover";
      case PRIMARY_HUNG -> "primary hung";
      case PAIR_CONFIGURED -> "pair configured";
      default -> cause.name();
    };
  }

  private static String orDash(String text) {
    return text == null || text.isEmpty() ? "-" : text;
  }

  private String primaryName(Member m) {
    return m.mode == Mode.PRIMARY ? m.name : "";
  }

  private static SwitchoverReply reply(SwitchoverResult result, String primary, long ms, String message) {
    return SwitchoverReply.newBuilder().setResult(result).setPrimary(primary).setDurationMs(ms)
        .setMessage(Objects.requireNonNullElse(message, "")).build();
  }

  // ---- status ------------------------------------------------------------------------------

  /**
   * Mode changes since this controller started, by pair ("first/second"), as the flapping alarm
   * counts them: not a member's first mode, nor an epoch a member's hello brings.
   */
  public Map<String, Long> modeChangesByPair() {
    return java.util.Collections.unmodifiableMap(modeChangesByPair);
  }

  /** Every pair, then every standalone application that has connected, without {@code as_of}. */
  public PairsStatus status(Instant now) {
    PairsStatus.Builder status = PairsStatus.newBuilder();
    for (Pair pair : pairs) {
      Instant windowStart = now.minus(settings.flappingWindow());
      PairStatus.Builder p = PairStatus.newBuilder()
          .addMembers(member(pair.first))
          .addMembers(member(pair.second))
          .setEpoch(pair.epoch)
          .setRecentModeChanges((int) pair.modeChanges.stream().filter(t -> !t.isBefore(windowStart)).count());
      if (pair.last != null) {
        p.setLastSwitchover(pair.last);
      }
      status.addPairs(p);
    }
    for (Member m : members.values()) {
      if (m.pair == null && m.everConnected) {
        status.addPairs(PairStatus.newBuilder().addMembers(member(m)).setEpoch(m.standaloneEpoch));
      }
    }
    return status.build();
  }

  private static MemberStatus member(Member m) {
    MemberStatus.Builder b = MemberStatus.newBuilder()
        .setApplication(m.name)
        .setConnected(m.connected)
        .setMode(m.mode)
        .setModeAcknowledged(m.acknowledged)
        .setStatus(m.status)
        .setStatusDetail(m.detail)
        .setClientAddress(m.clientAddress)
        .setEpoch(m.epoch)
        .setInstanceId(m.connected ? m.instanceId : "")
        .setHung(m.hung);
    if (m.since != null) {
      b.setSince(Timestamps.fromMillis(m.since.toEpochMilli()));
    }
    if (m.lastHeartbeat != null) {
      b.setLastHeartbeat(Timestamps.fromMillis(m.lastHeartbeat.toEpochMilli()));
    }
    return b.build();
  }
}
