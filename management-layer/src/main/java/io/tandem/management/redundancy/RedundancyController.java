package io.tandem.management.redundancy;

import com.google.protobuf.util.Timestamps;
import io.tandem.common.logging.LogEvent;
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
 *   <li>The first member of a pair to report {@code RUNNING} becomes primary, the other backup;
 *       a standalone application is primary. A member that joins while its peer is primary is
 *       backup.
 *   <li>A primary reporting {@code SERVICE_UNAVAILABLE} is switched over if its backup is
 *       connected and {@code RUNNING}; otherwise the request waits for the backup to report
 *       {@code RUNNING}. One switchover per pair is in flight, with a deadline.
 *   <li>A primary whose stream stays broken for {@code disconnect-switchover-timeout} is failed
 *       over to its backup.
 * </ul>
 */
public final class RedundancyController {
  private RedundancySettings settings;
  private final Map<String, Member> members = new TreeMap<>();
  private final List<Pair> pairs = new ArrayList<>();
  private long commandIds;
  private long switchoverIds;

  public RedundancyController(RedundancySettings settings) {
    this.settings = settings;
  }

  // ---- state -------------------------------------------------------------------------------

  private static final class Member {
    final String name;
    boolean configured;
    boolean everConnected;
    boolean connected;
    long session;
    String clientAddress = "";
    AppStatus status = AppStatus.APP_STATUS_UNSPECIFIED;
    String detail = "";
    Mode mode = Mode.MODE_UNSPECIFIED;
    boolean acknowledged;
    long pendingCommand;
    Instant since;
    Instant lostAt;
    Pair pair;

    Member(String name) {
      this.name = name;
    }
  }

  private static final class Pair {
    final Member first;
    final Member second;
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

    String describe() {
      return first.name + "/" + second.name;
    }
  }

  private static final class Switchover {
    final long id;
    final SwitchoverCause cause;
    final Member from;
    final Member to;
    final Instant started;
    final Instant deadline;
    final Set<String> awaiting = new LinkedHashSet<>();
    final long requestId;

    Switchover(long id, SwitchoverCause cause, Member from, Member to, Instant started, Instant deadline, long requestId) {
      this.id = id;
      this.cause = cause;
      this.from = from;
      this.to = to;
      this.started = started;
      this.deadline = deadline;
      this.requestId = requestId;
    }
  }

  // ---- inputs ------------------------------------------------------------------------------

  public void updateSettings(RedundancySettings newSettings) {
    this.settings = newSettings;
  }

  public RedundancySettings settings() {
    return settings;
  }

  /** Whether {@code application} is configured (only configured applications may connect). */
  public boolean knows(String application) {
    Member m = members.get(application);
    return m != null && m.configured;
  }

  /**
   * The applications in configuration and each one's {@code backup} ("" for none). Pairs
   * form, change and dissolve to match.
   */
  public List<Action> configure(Map<String, String> backupOf, Instant now) {
    List<Action> actions = new ArrayList<>();
    for (Member m : members.values()) {
      m.configured = backupOf.containsKey(m.name);
    }
    backupOf.keySet().forEach(name -> members.computeIfAbsent(name, Member::new).configured = true);

    List<String[]> wanted = new ArrayList<>();
    Set<String> paired = new LinkedHashSet<>();
    for (Map.Entry<String, String> entry : new TreeMap<>(backupOf).entrySet()) {
      String app = entry.getKey();
      String backup = entry.getValue();
      if (backup.isEmpty() || backup.equals(app) || !backupOf.containsKey(backup)) {
        continue;
      }
      if (paired.contains(app) || paired.contains(backup)) {
        continue; // one pair per application; the first by name wins
      }
      paired.add(app);
      paired.add(backup);
      wanted.add(new String[] {app, backup});
    }

    boolean changed = false;
    for (Pair pair : List.copyOf(pairs)) {
      boolean keep = wanted.stream().anyMatch(w -> w[0].equals(pair.first.name) && w[1].equals(pair.second.name));
      if (!keep) {
        changed = true;
        pairs.remove(pair);
        for (Member m : List.of(pair.first, pair.second)) {
          m.pair = null;
          if (m.mode == Mode.BACKUP) {
            command(m, Mode.PRIMARY, "no longer in a redundant pair: standalone", now, actions);
          }
        }
        if (pair.inFlight != null) {
          finish(pair, pair.inFlight, SwitchoverResult.NO_SUCH_PAIR, "the pair was removed from configuration", now, actions);
        }
      }
    }
    for (String[] w : wanted) {
      boolean exists = pairs.stream().anyMatch(p -> p.first.name.equals(w[0]) && p.second.name.equals(w[1]));
      if (exists) {
        continue;
      }
      changed = true;
      Pair pair = new Pair(members.get(w[0]), members.get(w[1]));
      pairs.add(pair);
      pair.first.pair = pair;
      pair.second.pair = pair;
      if (pair.first.mode == Mode.PRIMARY && pair.second.mode == Mode.PRIMARY) {
        command(pair.second, Mode.BACKUP, "now the backup of " + pair.first.name, now, actions);
      }
    }
    if (changed) {
      actions.add(new Action.Log(LogEvent.PAIRS_CONFIGURED, "pairs",
          pairs.stream().map(Pair::describe).toList()));
    }
    return actions;
  }

  /**
   * An application opened its supervision stream. {@code claimedMode} is the mode it already runs
   * in (after a Management Layer restart): adopted when it agrees with its peer's, so a restart
   * of the Management Layer changes nobody's mode.
   */
  public List<Action> connected(String application, long session, String clientAddress, Mode claimedMode,
      Instant now) {
    List<Action> actions = new ArrayList<>();
    Member m = members.computeIfAbsent(application, Member::new);
    m.connected = true;
    m.everConnected = true;
    m.session = session;
    m.clientAddress = clientAddress;
    m.status = AppStatus.INITIALIZING;
    m.detail = "";
    m.lostAt = null;
    if (m.mode == Mode.MODE_UNSPECIFIED) {
      m.since = now;
    }
    actions.add(new Action.Log(LogEvent.APPLICATION_CONNECTED, "application", application, "session", session,
        "client_address", clientAddress.isEmpty() ? "-" : clientAddress, "runs_as", claimedMode));
    if (m.mode != Mode.MODE_UNSPECIFIED) {
      command(m, m.mode, "reconnected: mode unchanged", now, actions);
    } else if (agrees(m, claimedMode)) {
      m.mode = claimedMode;
      m.acknowledged = true;
      m.since = now;
      actions.add(new Action.Log(LogEvent.MODE_ASSIGNED, "application", m.name, "mode", claimedMode,
          "reason", "adopted: the application already runs in it", "delivered", "already"));
    }
    return actions;
  }

  /** Whether a mode an application claims fits: a standalone is primary; one primary per pair. */
  private static boolean agrees(Member m, Mode claimed) {
    if (claimed != Mode.PRIMARY && claimed != Mode.BACKUP) {
      return false;
    }
    if (m.pair == null) {
      return claimed == Mode.PRIMARY;
    }
    Mode peer = m.pair.other(m).mode;
    return claimed == Mode.PRIMARY ? peer != Mode.PRIMARY : peer != Mode.BACKUP;
  }

  public List<Action> disconnected(String application, long session, Instant now) {
    List<Action> actions = new ArrayList<>();
    Member m = members.get(application);
    if (m == null || !m.connected || m.session != session) {
      return actions;
    }
    m.connected = false;
    m.lostAt = now;
    actions.add(new Action.Log(LogEvent.APPLICATION_LOST, "application", application, "session", session,
        "mode", m.mode, "failover_in_ms",
        m.pair != null && m.mode == Mode.PRIMARY ? settings.disconnectSwitchoverTimeout().toMillis() : "-"));
    Pair pair = m.pair;
    Switchover sw = pair == null ? null : pair.inFlight;
    if (sw != null && sw.awaiting.contains(application)) {
      if (sw.to == m) {
        finish(pair, sw, SwitchoverResult.TIMED_OUT, application + " disconnected before acknowledging PRIMARY", now,
            actions);
      } else {
        // The old primary is gone: it learns it is backup when it returns. The new primary decides the result.
        sw.awaiting.remove(application);
        if (sw.awaiting.isEmpty()) {
          finish(pair, sw, SwitchoverResult.DONE, "", now, actions);
        }
      }
    }
    return actions;
  }

  public List<Action> statusReported(String application, long session, AppStatus status, String detail, Instant now) {
    List<Action> actions = new ArrayList<>();
    Member m = members.get(application);
    if (m == null || !m.connected || m.session != session) {
      return actions;
    }
    AppStatus previous = m.status;
    m.status = status;
    m.detail = detail;
    if (previous != status) {
      actions.add(new Action.Log(LogEvent.STATUS_REPORTED, "application", application, "status", status,
          "detail", detail.isEmpty() ? "-" : detail));
    }
    Pair pair = m.pair;
    switch (status) {
      case RUNNING -> {
        if (m.mode == Mode.MODE_UNSPECIFIED) {
          assignFirstMode(m, now, actions);
        }
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
        } else if (m.mode == Mode.MODE_UNSPECIFIED) {
          if (pair == null) {
            assignFirstMode(m, now, actions);
          } else if (pair.other(m).mode == Mode.PRIMARY) {
            command(m, Mode.BACKUP, "unavailable, and " + pair.other(m).name + " is primary", now, actions);
          }
        }
      }
      default -> {
        if (pair != null && pair.deferred != null && pair.primary() == m) {
          pair.deferred = null;
        }
      }
    }
    return actions;
  }

  public List<Action> modeAcknowledged(String application, long session, long commandId, Mode mode, Instant now) {
    List<Action> actions = new ArrayList<>();
    Member m = members.get(application);
    if (m == null || m.session != session || m.pendingCommand != commandId || m.mode != mode) {
      return actions;
    }
    m.pendingCommand = 0;
    m.acknowledged = true;
    actions.add(new Action.Log(LogEvent.MODE_ACKNOWLEDGED, "application", application, "mode", mode));
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

  /** Deadlines: failovers, switchover timeouts. */
  public List<Action> tick(Instant now) {
    List<Action> actions = new ArrayList<>();
    for (Pair pair : pairs) {
      Switchover sw = pair.inFlight;
      if (sw != null && !now.isBefore(sw.deadline)) {
        finish(pair, sw, SwitchoverResult.TIMED_OUT, "not acknowledged by " + String.join(", ", sw.awaiting)
            + " within " + settings.switchoverTimeout().toMillis() + " ms", now, actions);
      }
      Member primary = pair.primary();
      if (primary != null && !primary.connected && primary.lostAt != null && pair.inFlight == null
          && !now.isBefore(primary.lostAt.plus(settings.disconnectSwitchoverTimeout()))) {
        failover(pair, primary, now, actions);
      }
    }
    return actions;
  }

  // ---- decisions -----------------------------------------------------------------------------

  private void assignFirstMode(Member m, Instant now, List<Action> actions) {
    Pair pair = m.pair;
    if (pair == null) {
      command(m, Mode.PRIMARY, "standalone", now, actions);
      return;
    }
    Member peer = pair.other(m);
    if (peer.mode == Mode.PRIMARY && (peer.connected || withinGrace(peer, now))) {
      command(m, Mode.BACKUP, peer.name + " is primary", now, actions);
    } else {
      if (peer.mode == Mode.PRIMARY) {
        peer.mode = Mode.BACKUP; // lost for longer than the failover timeout; told when it returns
        peer.since = now;
      }
      command(m, Mode.PRIMARY, "first of " + pair.describe() + " to report RUNNING", now, actions);
      if (peer.connected && peer.mode == Mode.MODE_UNSPECIFIED && peer.status == AppStatus.SERVICE_UNAVAILABLE) {
        command(peer, Mode.BACKUP, "unavailable, and " + m.name + " is primary", now, actions);
      }
    }
  }

  private boolean withinGrace(Member m, Instant now) {
    return m.lostAt != null && now.isBefore(m.lostAt.plus(settings.disconnectSwitchoverTimeout()));
  }

  private void start(Pair pair, SwitchoverCause cause, long requestId, Instant now, List<Action> actions) {
    Member primary = pair.primary();
    String label = primary == null ? pair.describe() : primary.name;
    actions.add(new Action.Log(LogEvent.SWITCHOVER_REQUESTED, "pair", pair.describe(), "cause", cause,
        "primary", primary == null ? "-" : primary.name));
    if (pair.inFlight != null) {
      refuse(pair, cause, requestId, SwitchoverResult.ALREADY_IN_PROGRESS,
          "a switchover of " + pair.describe() + " is already in flight", now, actions, false);
      return;
    }
    if (primary == null) {
      refuse(pair, cause, requestId, SwitchoverResult.BACKUP_NOT_READY, pair.describe() + " has no primary yet", now,
          actions, true);
      return;
    }
    Member backup = pair.other(primary);
    if (!backup.connected || backup.status != AppStatus.RUNNING) {
      String why = backup.name + (backup.connected ? " is " + backup.status : " is not connected");
      if (cause == SwitchoverCause.SERVICE_UNAVAILABLE_REPORTED) {
        pair.deferred = cause;
        actions.add(new Action.Log(LogEvent.SWITCHOVER_DEFERRED, "pair", pair.describe(), "primary", label,
            "reason", why));
      }
      refuse(pair, cause, requestId, SwitchoverResult.BACKUP_NOT_READY, why, now, actions, true);
      return;
    }
    pair.deferred = null;
    Switchover sw = new Switchover(++switchoverIds, cause, primary, backup, now,
        now.plus(settings.switchoverTimeout()), requestId);
    pair.inFlight = sw;
    String reason = "switchover (" + describe(cause) + ")";
    command(backup, Mode.PRIMARY, reason, now, actions);
    sw.awaiting.add(backup.name);
    command(primary, Mode.BACKUP, reason, now, actions);
    if (primary.connected) {
      sw.awaiting.add(primary.name);
    }
  }

  private void failover(Pair pair, Member lost, Instant now, List<Action> actions) {
    Member backup = pair.other(lost);
    if (!backup.connected) {
      return; // nobody to promote; the first to report RUNNING will be primary
    }
    actions.add(new Action.Log(LogEvent.FAILOVER, "pair", pair.describe(), "lost", lost.name, "promoted", backup.name,
        "lost_for_ms", Duration.between(lost.lostAt, now).toMillis()));
    Switchover sw = new Switchover(++switchoverIds, SwitchoverCause.FAILOVER, lost, backup, now,
        now.plus(settings.switchoverTimeout()), 0);
    pair.inFlight = sw;
    pair.deferred = null;
    lost.mode = Mode.BACKUP;
    lost.acknowledged = false;
    lost.since = now;
    command(backup, Mode.PRIMARY, "failover: " + lost.name + " lost", now, actions);
    sw.awaiting.add(backup.name);
  }

  private void refuse(Pair pair, SwitchoverCause cause, long requestId, SwitchoverResult result, String message,
      Instant now, List<Action> actions, boolean record) {
    actions.add(new Action.Log(LogEvent.SWITCHOVER_REFUSED, "pair", pair.describe(), "cause", cause, "result", result,
        "reason", message, "ms", 0));
    Member primary = pair.primary();
    if (record) {
      pair.last = SwitchoverRecord.newBuilder().setTime(Timestamps.fromMillis(now.toEpochMilli())).setCause(cause)
          .setResult(result).setDurationMs(0).setFromPrimary(primary == null ? "" : primary.name)
          .setToPrimary(primary == null ? "" : primary.name).build();
    }
    if (requestId != 0) {
      actions.add(new Action.CompleteRequest(requestId,
          reply(result, primary == null ? "" : primary.name, 0, message)));
    }
  }

  private void finish(Pair pair, Switchover sw, SwitchoverResult result, String message, Instant now,
      List<Action> actions) {
    long ms = Duration.between(sw.started, now).toMillis();
    pair.inFlight = null;
    pair.last = SwitchoverRecord.newBuilder().setTime(Timestamps.fromMillis(sw.started.toEpochMilli()))
        .setCause(sw.cause).setResult(result).setDurationMs(ms)
        .setFromPrimary(sw.from.name).setToPrimary(sw.to.name).build();
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
  }

  private void noteModeChange(Pair pair, Instant now, List<Action> actions) {
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

  private void command(Member m, Mode mode, String reason, Instant now, List<Action> actions) {
    if (m.mode != mode) {
      m.since = now;
    }
    m.mode = mode;
    m.acknowledged = false;
    m.pendingCommand = ++commandIds;
    actions.add(new Action.Log(LogEvent.MODE_ASSIGNED, "application", m.name, "mode", mode, "reason", reason,
        "delivered", m.connected ? "now" : "on reconnect"));
    if (m.connected) {
      actions.add(new Action.SendMode(m.name, m.pendingCommand, mode, reason));
    }
  }

  private static String describe(SwitchoverCause cause) {
    return switch (cause) {
      case SERVICE_UNAVAILABLE_REPORTED -> "SERVICE_UNAVAILABLE reported";
      case MANUAL -> "operator request";
      case FAILOVER -> "failover";
      default -> cause.name();
    };
  }

  private String primaryName(Member m) {
    return m.mode == Mode.PRIMARY ? m.name : "";
  }

  private static SwitchoverReply reply(SwitchoverResult result, String primary, long ms, String message) {
    return SwitchoverReply.newBuilder().setResult(result).setPrimary(primary).setDurationMs(ms)
        .setMessage(Objects.requireNonNullElse(message, "")).build();
  }

  // ---- status ------------------------------------------------------------------------------

  /** Every pair, then every standalone application that has connected, without {@code as_of}. */
  public PairsStatus status(Instant now) {
    PairsStatus.Builder status = PairsStatus.newBuilder();
    for (Pair pair : pairs) {
      Instant windowStart = now.minus(settings.flappingWindow());
      PairStatus.Builder p = PairStatus.newBuilder()
          .addMembers(member(pair.first))
          .addMembers(member(pair.second))
          .setRecentModeChanges((int) pair.modeChanges.stream().filter(t -> !t.isBefore(windowStart)).count());
      if (pair.last != null) {
        p.setLastSwitchover(pair.last);
      }
      status.addPairs(p);
    }
    for (Member m : members.values()) {
      if (m.pair == null && m.everConnected) {
        status.addPairs(PairStatus.newBuilder().addMembers(member(m)));
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
        .setClientAddress(m.clientAddress);
    if (m.since != null) {
      b.setSince(Timestamps.fromMillis(m.since.toEpochMilli()));
    }
    return b.build();
  }
}
