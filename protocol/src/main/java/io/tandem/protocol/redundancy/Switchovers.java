package io.tandem.protocol.redundancy;

import com.google.protobuf.util.Timestamps;
import io.tandem.protocol.log.LogEvent;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.SwitchoverCause;
import io.tandem.management.v1.SwitchoverRecord;
import io.tandem.management.v1.SwitchoverReply;
import io.tandem.management.v1.SwitchoverResult;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The switchover lifecycle of each pair: started (asked for by a primary, an operator, or a
 * primary lost for the failover timeout), refused or deferred while its backup is not ready, in
 * flight until both members acknowledge or its deadline passes, and recorded as the pair's last.
 * One switchover per pair is in flight.
 */
final class Switchovers {
  /** A switchover in flight: who is to become backup and who primary, and who has yet to acknowledge. */
  static final class InFlight {
    final SwitchoverCause cause;
    final String detail;
    final Member from;
    final Member to;
    final Instant started;
    final Instant deadline;
    final Set<String> awaiting = new LinkedHashSet<>();
    final long requestId;

    InFlight(SwitchoverCause cause, String detail, Member from, Member to, Instant started,
        Instant deadline, long requestId) {
      this.cause = cause;
      this.detail = detail;
      this.from = from;
      this.to = to;
      this.started = started;
      this.deadline = deadline;
      this.requestId = requestId;
    }
  }

  private final PairState state;
  private final Modes modes;
  private final ModeChanges modeChanges;

  Switchovers(PairState state, Modes modes, ModeChanges modeChanges) {
    this.state = state;
    this.modes = modes;
    this.modeChanges = modeChanges;
  }

  /** An operator's switchover of the pair {@code application} ({@code m}, null if unknown) belongs to. */
  void requested(String application, Member m, long requestId, Instant now, List<Action> actions) {
    if (m == null || m.pair == null) {
      actions.add(new Action.CompleteRequest(requestId, reply(SwitchoverResult.NO_SUCH_PAIR,
          m == null || m.mode != Mode.PRIMARY ? "" : m.name, 0, application + " is not a member of a redundant pair")));
      return;
    }
    start(m.pair, SwitchoverCause.MANUAL, requestId, now, actions);
  }

  /**
   * Starts a switchover of {@code pair} for {@code cause}; refused when one is in flight or the
   * backup is not ready, and then deferred if the primary reported {@code SERVICE_UNAVAILABLE}.
   * {@code requestId} is the operator's request it answers (0: none).
   */
  void start(Pair pair, SwitchoverCause cause, long requestId, Instant now, List<Action> actions) {
    Member primary = pair.primary();
    String label = primary == null ? pair.describe() : primary.name;
    actions.add(new Action.Log(LogEvent.SWITCHOVER_REQUESTED, "pair", pair.describe(), "cause", cause,
        "primary", primary == null ? "-" : primary.name));
    if (pair.inFlight != null) {
      refuse(pair, cause, requestId, SwitchoverResult.ALREADY_IN_PROGRESS,
          "a switchover of " + pair.describe() + " is already in flight", now, actions);
      return;
    }
    if (primary == null) {
      refuse(pair, cause, requestId, SwitchoverResult.BACKUP_NOT_READY, pair.describe() + " has no primary yet", now,
          actions);
      return;
    }
    Member backup = pair.other(primary);
    if (!backup.ready()) {
      String why = backup.name + (!backup.connected ? " is not connected" : backup.hung ? " is hung" : " is " + backup.status);
      if (cause == SwitchoverCause.SERVICE_UNAVAILABLE_REPORTED) {
        pair.deferred = cause;
        actions.add(new Action.Log(LogEvent.SWITCHOVER_DEFERRED, "pair", pair.describe(), "primary", label,
            "reason", why));
      }
      refuse(pair, cause, requestId, SwitchoverResult.BACKUP_NOT_READY, why, now, actions);
      return;
    }
    pair.deferred = null;
    String reason = "switchover (" + describe(cause) + ")";
    InFlight sw = new InFlight(cause, reason, primary, backup, now,
        now.plus(state.settings().switchoverTimeout()), requestId);
    pair.inFlight = sw;
    pair.epoch = state.nextEpoch(pair.epoch);
    modes.command(backup, Mode.PRIMARY, reason, now, actions);
    sw.awaiting.add(backup.name);
    modes.command(primary, Mode.BACKUP, reason, now, actions);
    if (primary.alive()) {
      sw.awaiting.add(primary.name);
    }
  }

  /** Whether {@code primary} of {@code pair} has been lost (or hung) for the failover timeout, with nothing in flight. */
  boolean failoverDue(Pair pair, Member primary, Instant now) {
    return !primary.alive() && primary.lostAt != null && pair.inFlight == null
        && !now.isBefore(primary.lostAt.plus(state.settings().disconnectSwitchoverTimeout()));
  }

  /** Promotes the backup of {@code lost}, if it is ready; otherwise tried again on the next tick. */
  void failover(Pair pair, Member lost, Instant now, List<Action> actions) {
    Member backup = pair.other(lost);
    if (!backup.ready()) {
      return; // nobody to promote yet; tried again on every tick
    }
    long lostForMs = Duration.between(lost.lostAt, now).toMillis();
    SwitchoverCause cause = lost.hung ? SwitchoverCause.PRIMARY_HUNG : SwitchoverCause.FAILOVER;
    String detail = lost.hung
        ? lost.name + " hung: no heartbeat for " + Duration.between(lost.lastHeartbeat, now).toMillis() + " ms"
        : lost.name + " lost for " + lostForMs + " ms";
    actions.add(new Action.Log(LogEvent.FAILOVER, "pair", pair.describe(), "lost", lost.name, "promoted", backup.name,
        "lost_for_ms", lostForMs, "cause", detail));
    InFlight sw = new InFlight(cause, detail, lost, backup, now,
        now.plus(state.settings().switchoverTimeout()), 0);
    pair.inFlight = sw;
    pair.deferred = null;
    pair.epoch = state.nextEpoch(pair.epoch);
    modes.command(backup, Mode.PRIMARY, "failover: " + detail, now, actions);
    sw.awaiting.add(backup.name);
    // A hung primary still has its stream: the command waits there, so a thawed process reads
    // that it is backup before anything else it would act on.
    modes.command(lost, Mode.BACKUP, "failover: " + detail, now, actions);
  }

  /** {@code m} acknowledged its mode: the switchover of its pair is done once nobody else is awaited. */
  void acknowledged(Member m, Instant now, List<Action> actions) {
    Pair pair = m.pair;
    if (pair != null && pair.inFlight != null && pair.inFlight.awaiting.remove(m.name)
        && pair.inFlight.awaiting.isEmpty()) {
      finish(pair, pair.inFlight, SwitchoverResult.DONE, "", now, actions);
    }
  }

  /** {@code m} stopped being alive (stream lost, or hung): a switchover waiting for it cannot count on it. */
  void lost(Member m, Instant now, List<Action> actions) {
    m.lostAt = now;
    Pair pair = m.pair;
    InFlight sw = pair == null ? null : pair.inFlight;
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

  /** Ends the switchover of {@code pair} in flight, if its deadline has passed. */
  void checkDeadline(Pair pair, Instant now, List<Action> actions) {
    InFlight sw = pair.inFlight;
    if (sw != null && !now.isBefore(sw.deadline)) {
      finish(pair, sw, SwitchoverResult.TIMED_OUT, "not acknowledged by " + String.join(", ", sw.awaiting)
          + " within " + state.settings().switchoverTimeout().toMillis() + " ms", now, actions);
    }
  }

  /** Ends the switchover of a pair that leaves the configuration. */
  void pairRemoved(Pair pair, Instant now, List<Action> actions) {
    if (pair.inFlight != null) {
      finish(pair, pair.inFlight, SwitchoverResult.NO_SUCH_PAIR, "the pair was removed from configuration", now,
          actions);
    }
  }

  /** Records a switchover of {@code pair} that its configuration made: {@code demoted} is backup beside {@code kept}. */
  void formed(Pair pair, Member kept, Member demoted, String reason, Instant now, List<Action> actions) {
    pair.last = record(SwitchoverCause.PAIR_CONFIGURED, SwitchoverResult.DONE, reason, now, 0, demoted.name, kept.name);
    modeChanges.note(pair, now, actions);
  }

  private void refuse(Pair pair, SwitchoverCause cause, long requestId, SwitchoverResult result, String message,
      Instant now, List<Action> actions) {
    actions.add(new Action.Log(LogEvent.SWITCHOVER_REFUSED, "pair", pair.describe(), "cause", cause, "result", result,
        "reason", message, "ms", 0));
    Member primary = pair.primary();
    String name = primary == null ? "" : primary.name;
    pair.last = record(cause, result, message, now, 0, name, name);
    if (requestId != 0) {
      actions.add(new Action.CompleteRequest(requestId, reply(result, name, 0, message)));
    }
  }

  private void finish(Pair pair, InFlight sw, SwitchoverResult result, String message, Instant now,
      List<Action> actions) {
    long ms = Duration.between(sw.started, now).toMillis();
    pair.inFlight = null;
    pair.last = record(sw.cause, result, message.isEmpty() ? sw.detail : message, sw.started, ms, sw.from.name,
        sw.to.name);
    if (result == SwitchoverResult.DONE) {
      actions.add(new Action.Log(LogEvent.SWITCHOVER_DONE, "pair", pair.describe(), "cause", sw.cause,
          "from", sw.from.name, "to", sw.to.name, "ms", ms));
      modeChanges.note(pair, now, actions);
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

  private static SwitchoverReply reply(SwitchoverResult result, String primary, long ms, String message) {
    return SwitchoverReply.newBuilder().setResult(result).setPrimary(primary).setDurationMs(ms)
        .setMessage(Objects.requireNonNullElse(message, "")).build();
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
}
