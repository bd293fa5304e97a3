package io.tandem.protocol.reload;

import io.tandem.protocol.health.Availability;
import io.tandem.protocol.log.LogEvent;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.ModeCommand;
import io.tandem.stat.v1.ConfigState;
import io.tandem.stat.v1.ReloadMode;
import io.tandem.stat.v1.Role;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The Stat Server's configuration-reload decisions (docs/architecture.md, *Reload protocol*), as a pure state machine:
 * inputs are events with the time, outputs are {@link Action}s. Not thread-safe: one thread
 * feeds it.
 *
 * <p>When the Config Server cannot restore the session, a reload is needed. A backup, a
 * standalone server, a primary with {@code config-reload-delay-if-primary = false}, or a primary
 * whose peer does not accept clients in backup mode reloads at once (normal mode: 02-10084 …
 * 02-10085, not serving meanwhile unless {@code serve-during-reload} keeps the configuration in hand
 * serving until the swap). Otherwise the primary enters protected mode (02-10086): it
 * closes its configuration session, keeps serving, probes its backup every
 * {@code backup-check-interval} until it answers {@code SERVING}, then reports
 * {@code SERVICE_UNAVAILABLE} (retried until delivered) so the Management Layer switches the pair
 * over. Made backup — by that switchover or for any other reason — it ends protected mode
 * (02-10087) and reloads in normal mode. Options that no longer allow protected mode (the option
 * turned off, the backup refusing clients in backup mode, no backup), reaching
 * {@code protected-mode-max-duration}, or giving way to a peer that is a protected primary too
 * ({@link #givesWay}) end it the same way.
 *
 * <p>Mode commands are fenced by epoch: one older than the last obeyed is refused (02-10104).
 * Heartbeats to the Management Layer come from {@link #tick}, so they stop when the thread that
 * feeds this machine stops.
 */
public final class ReloadStateMachine {
  static final Duration RELOAD_RETRY_FIRST = Duration.ofMillis(500);
  static final Duration RELOAD_RETRY_MAX = Duration.ofSeconds(30);

  /**
   * A deliberately broken rule, for the simulator's mutants ({@code simulation/README.md}): a
   * run with one of these must end in a violated invariant, or the simulator could not tell the
   * rule matters. Servers never set one.
   */
  public enum Flaw {
    /** Take a serving backup as ready whatever its configuration. */
    SKIP_FRESHNESS_CHECK,
    /** Enter protected mode although the backup does not accept clients in backup mode. */
    IGNORE_PEER_ACCEPT_CLIENTS,
    /** Stay in protected mode when made backup. */
    KEEP_PROTECTED_ON_BACKUP,
    /** A primary reloads at once although protected mode applies. */
    PRIMARY_RELOADS_AT_ONCE,
    /** Never give way to a peer that is a protected primary too. */
    NEVER_GIVE_WAY,
    /** After a failed reload, wait for nothing: no session restore, no retry. */
    FORGET_RELOAD_RETRY,
    /** Stop serving for a reload whatever serve-during-reload says. */
    DARK_DURING_RELOAD
  }

  private final String application;
  private final Set<Flaw> flaws;
  private ReloadOptions options = ReloadOptions.DEFAULTS;
  private ConfigState state = ConfigState.CONFIG_STATE_UNSPECIFIED;
  private Mode mode = Mode.MODE_UNSPECIFIED;

  private Instant protectedSince;
  private long requiredEventId;
  private boolean backupReady;
  private Instant nextProbeAt;
  private String lastProbeFailure;

  private long epoch;
  private Duration heartbeatInterval;
  private Instant nextHeartbeatAt = Instant.MIN;
  private boolean peerProtectedNoted;

  private AppStatus status = AppStatus.INITIALIZING;
  private String statusDetail = "starting";
  private long reportId;
  private boolean delivered;
  private boolean managementConnected;
  private Instant nextReportAt = Instant.MIN;

  private long reloadCount;
  private long staleModeCommandsRefused;
  private long lastReloadMillis;
  /** Reloads that failed in a row; each waits longer before the next try. */
  private int failedReloads;
  private Instant reloadNotBefore = Instant.MIN;
  /** The reload under way (RELOADING), as it was decided. */
  private Action.Reload reloading;
  /** Whether the reload under way keeps the client port serving (serve-during-reload when it started). */
  private boolean servingThroughReload;
  /** Whether this server has served every moment of the reload under way (02-10085 says so). */
  private boolean servedThroughReload;
  /** A reload decided while the last failure's wait is not over: started by {@link #tick}. */
  private PendingReload pendingReload;
  /** The Config Server's head when the session last expired: what a reload must reach. */
  private long expiredHead;

  /**
   * A reload waiting for the last failure's wait to end. {@code mayProtect}: whether it is decided
   * again when due — a member whose mode changed while it waited (made primary by a switchover)
   * may now have to protect the pair instead. A reload after giving way or after
   * protected-mode-max-duration is not: protected mode must not start over.
   */
  private record PendingReload(Action.Reload.Cause cause, String detail, boolean mayProtect) {}

  /** Why protected mode does not apply to a primary-to-be's reload; {@link #describe} gives the words. */
  private enum Unprotected { STANDALONE, BACKUP, NO_MODE_YET, DELAY_IF_PRIMARY_OFF, BACKUP_REFUSES_CLIENTS }

  public ReloadStateMachine(String application) {
    this(application, EnumSet.noneOf(Flaw.class));
  }

  /** A machine with deliberately broken rules: the simulator's mutants only. */
  public ReloadStateMachine(String application, Set<Flaw> flaws) {
    this.application = application;
    this.flaws = flaws.isEmpty() ? EnumSet.noneOf(Flaw.class) : EnumSet.copyOf(flaws);
  }

  // ---- inputs --------------------------------------------------------------------------------

  /** The server starts: load the configuration. */
  public List<Action> start(Instant now) {
    List<Action> actions = new ArrayList<>();
    state = ConfigState.LOADING;
    setStatus(AppStatus.INITIALIZING, "loading configuration", now, actions);
    actions.add(new Action.LoadConfiguration());
    return actions;
  }

  /** A first load or a reload has been swapped in: {@code objects} objects in {@code millis} ms. */
  public List<Action> loaded(long objects, long millis, Instant now) {
    List<Action> actions = new ArrayList<>();
    if (state == ConfigState.LOADING) {
      actions.add(new Action.Log(LogEvent.CONFIG_LOADED, "application", application, "objects", objects, "ms", millis));
    } else if (state == ConfigState.RELOADING) {
      reloadCount++;
      failedReloads = 0;
      lastReloadMillis = millis;
      reloading = null;
      actions.add(new Action.Log(LogEvent.NORMAL_RELOAD_FINISHED, "application", application, "objects", objects,
          "ms", millis, "serving", servedThroughReload && availability() == Availability.SERVING));
    } else {
      return actions;
    }
    state = ConfigState.SYNCED;
    setStatus(AppStatus.RUNNING, "configuration loaded", now, actions);
    return actions;
  }

  /**
   * A reload could not finish, whatever the cause (the Config Server went away, a message too
   * large, out of memory, a bug): keep the configuration in hand, restore the session, and do not
   * try another reload before a wait that doubles with every failure in a row (0.5 s to 30 s).
   */
  public List<Action> reloadFailed(String cause, Instant now) {
    List<Action> actions = new ArrayList<>();
    if (state != ConfigState.RELOADING) {
      return actions;
    }
    failedReloads++;
    Duration wait = RELOAD_RETRY_FIRST.multipliedBy(1L << Math.min(failedReloads - 1, 10));
    wait = wait.compareTo(RELOAD_RETRY_MAX) > 0 ? RELOAD_RETRY_MAX : wait;
    reloadNotBefore = now.plus(wait);
    reloading = null;
    actions.add(new Action.Log(LogEvent.CONFIG_RELOAD_FAILED, "application", application, "cause", cause,
        "failures_in_a_row", failedReloads, "next_reload_not_before_ms", wait.toMillis()));
    state = ConfigState.DISCONNECTED;
    setStatus(AppStatus.RUNNING, "configuration reload failed; serving the configuration in hand", now, actions);
    if (flaws.contains(Flaw.FORGET_RELOAD_RETRY)) {
      return actions;
    }
    actions.add(new Action.RestoreSession());
    return actions;
  }

  /** A live configuration session broke. */
  public List<Action> connectionLost(String cause, Instant now) {
    List<Action> actions = new ArrayList<>();
    if (state != ConfigState.SYNCED) {
      return actions;
    }
    state = ConfigState.DISCONNECTED;
    actions.add(new Action.Log(LogEvent.CONFIG_CONNECTION_LOST, "application", application, "cause", cause));
    actions.add(new Action.RestoreSession());
    return actions;
  }

  /** The session was restored: the missed changes have been replayed. No reload. */
  public List<Action> sessionRestored(long fromEventId, long toEventId, long replayed, Instant now) {
    List<Action> actions = new ArrayList<>();
    if (state != ConfigState.DISCONNECTED) {
      return actions;
    }
    state = ConfigState.SYNCED;
    pendingReload = null;
    actions.add(new Action.Log(LogEvent.CONFIG_SESSION_RESTORED, "application", application, "from", fromEventId,
        "to", toEventId, "replayed", replayed));
    return actions;
  }

  /** The Config Server cannot restore the session: a full reload is needed, now or delayed. */
  public List<Action> historyExpired(long requestedAfter, long oldestRetained, long head, Instant now) {
    List<Action> actions = new ArrayList<>();
    if (state != ConfigState.SYNCED && state != ConfigState.DISCONNECTED) {
      return actions;
    }
    actions.add(new Action.Log(LogEvent.HISTORY_EXPIRED_RECEIVED, "application", application, "after", requestedAfter,
        "oldest_retained", oldestRetained, "head", head));
    expiredHead = head;
    Unprotected unprotected = unprotected();
    if (unprotected != null) {
      reloadNow(Action.Reload.Cause.SESSION_EXPIRED, describe(unprotected), true, coverDue(now), now, actions);
      return actions;
    }
    enterProtected(now, actions);
    return actions;
  }

  private void enterProtected(Instant now, List<Action> actions) {
    state = ConfigState.DELAYED;
    protectedSince = now;
    requiredEventId = expiredHead;
    backupReady = false;
    lastProbeFailure = null;
    peerProtectedNoted = false;
    actions.add(new Action.CloseSession());
    actions.add(new Action.Log(LogEvent.PROTECTED_MODE_STARTED, "application", application, "backup", options.peer(),
        "backup_check_interval_ms", options.backupCheckInterval().toMillis(),
        "max_duration_s", options.protectedModeMaxDuration().toSeconds()));
    probe(now, actions);
  }

  /**
   * The result of a probe of the backup: ready (serving, configuration reloaded) or why not. A
   * peer that is a protected primary too is not waited for: by {@link #givesWay} exactly one of
   * the two ends protected mode and reloads, so the pair never waits on itself.
   */
  public List<Action> probed(PeerProbe probe, Instant now) {
    List<Action> actions = new ArrayList<>();
    if (state != ConfigState.DELAYED) {
      return actions;
    }
    // Checked even once the backup was found ready: while this server waits for the switchover,
    // the peer may have been made primary (this server cut off from the Management Layer) and
    // entered protected mode itself; then one of the two must give way, or both wait for ever.
    if (probe.peerProtectedPrimary() && mode == Mode.PRIMARY) {
      if (!flaws.contains(Flaw.NEVER_GIVE_WAY) && givesWay(application, epoch, options.peer(), probe.peerEpoch())) {
        actions.add(new Action.Log(LogEvent.GAVE_WAY, "application", application, "peer", options.peer(),
            "epoch", epoch, "peer_epoch", probe.peerEpoch()));
        endProtected(Action.Reload.Cause.GAVE_WAY, "gave way to " + options.peer() + " (both primary in protected mode)",
            false, now, actions);
      } else if (!peerProtectedNoted) {
        peerProtectedNoted = true;
        actions.add(new Action.Log(LogEvent.BACKUP_PROBE_FAILED, "application", application, "backup", options.peer(),
            "result", options.peer() + " is a protected primary too (epoch " + probe.peerEpoch() + "); it gives way"));
      }
      return actions;
    }
    if (backupReady) {
      return actions;
    }
    boolean ready = flaws.contains(Flaw.SKIP_FRESHNESS_CHECK) ? probe.serving() : probe.readyFor(requiredEventId);
    if (!ready) {
      String detail = probe.describe(requiredEventId);
      if (!detail.equals(lastProbeFailure)) {
        lastProbeFailure = detail;
        actions.add(new Action.Log(LogEvent.BACKUP_PROBE_FAILED, "application", application, "backup", options.peer(),
            "result", detail));
      }
      return actions;
    }
    backupReady = true;
    actions.add(new Action.Log(LogEvent.BACKUP_READY, "application", application, "backup", options.peer(),
        "after_ms", Duration.between(protectedSince, now).toMillis()));
    setStatus(AppStatus.SERVICE_UNAVAILABLE, "protected mode: backup " + options.peer() + " ready, reload delayed", now,
        actions);
    actions.add(new Action.Log(LogEvent.SERVICE_UNAVAILABLE_SENT, "application", application, "report", reportId,
        "management_connected", managementConnected));
    return actions;
  }

  /**
   * The give-way rule, which both members of a pair apply the same way when both are primaries in
   * protected mode: the one running under the older epoch gives way (it is the stale primary);
   * under equal epochs, the one whose name sorts later gives way. Exactly one of the two does.
   */
  public static boolean givesWay(String self, long selfEpoch, String peer, long peerEpoch) {
    if (selfEpoch != peerEpoch) {
      return selfEpoch < peerEpoch;
    }
    return self.compareTo(peer) > 0;
  }

  /** The Management Layer acknowledged status report {@code id}. */
  public List<Action> statusDelivered(long id, Instant now) {
    List<Action> actions = new ArrayList<>();
    if (id == reportId && !delivered) {
      delivered = true;
      actions.add(new Action.Log(LogEvent.STATUS_DELIVERED, "application", application, "status", status,
          "report", id));
    }
    return actions;
  }

  /** A supervision stream is open: whatever the Management Layer may have missed is reported again. */
  public List<Action> managementConnected(Instant now) {
    List<Action> actions = new ArrayList<>();
    managementConnected = true;
    report(now, actions);
    return actions;
  }

  /** The Management Layer asks for a heartbeat every {@code interval}. */
  public List<Action> heartbeatInterval(Duration interval, Instant now) {
    heartbeatInterval = interval;
    nextHeartbeatAt = now;
    return tick(now);
  }

  /**
   * The Management Layer refused this process: another instance of the application is alive.
   * This one must not run at all.
   */
  public List<Action> supervisionRefused(String reason, Instant now) {
    List<Action> actions = new ArrayList<>();
    actions.add(new Action.Log(LogEvent.SUPERVISION_REFUSED, "application", application, "reason", reason));
    actions.add(new Action.Exit(reason));
    return actions;
  }

  public List<Action> managementLost(String cause, Instant now) {
    List<Action> actions = new ArrayList<>();
    if (managementConnected) {
      actions.add(new Action.Log(LogEvent.MANAGEMENT_CONNECTION_LOST, "application", application, "cause", cause));
    }
    managementConnected = false;
    delivered = false;
    heartbeatInterval = null;
    return actions;
  }

  /**
   * The Management Layer says which mode to run in. A command under an older epoch than the last
   * one obeyed is refused: it was sent before a newer primary was chosen.
   */
  public List<Action> modeCommand(ModeCommand command, Instant now) {
    List<Action> actions = new ArrayList<>();
    if (command.getEpoch() < epoch) {
      staleModeCommandsRefused++;
      actions.add(new Action.Log(LogEvent.STALE_MODE_COMMAND_REFUSED, "application", application,
          "mode", command.getMode(), "epoch", command.getEpoch(), "obeyed_epoch", epoch, "reason", command.getReason()));
      return actions;
    }
    epoch = command.getEpoch();
    Mode previous = mode;
    mode = command.getMode();
    if (previous != mode) {
      actions.add(new Action.Log(LogEvent.MODE_CHANGED, "application", application, "from", previous, "to", mode,
          "reason", command.getReason(), "epoch", epoch));
    }
    actions.add(new Action.AcknowledgeMode(command));
    if (state == ConfigState.DELAYED && mode == Mode.BACKUP && !flaws.contains(Flaw.KEEP_PROTECTED_ON_BACKUP)) {
      endProtected(backupReady ? Action.Reload.Cause.HANDED_OVER : Action.Reload.Cause.SWITCHED_TO_BACKUP,
          "switched to backup", true, now, actions);
    }
    noteServing();
    return actions;
  }

  /** This server's or its peer's options changed. */
  public List<Action> optionsChanged(ReloadOptions newOptions, Instant now) {
    List<Action> actions = new ArrayList<>();
    options = newOptions;
    Unprotected unprotected = unprotected();
    if (state == ConfigState.DELAYED && unprotected != null
        && !(mode == Mode.BACKUP && flaws.contains(Flaw.KEEP_PROTECTED_ON_BACKUP))) {
      // Whatever made protected mode possible is gone (the option turned off, the backup refusing
      // clients in backup mode, the pair dissolved): waiting on would wait for a backup that
      // cannot take over.
      endProtected(Action.Reload.Cause.PROTECTED_MODE_RULED_OUT, options.delayIfPrimary()
          ? "no longer possible: " + describe(unprotected) : "option config-reload-delay-if-primary turned off",
          true, now, actions);
    }
    noteServing();
    return actions;
  }

  /** The server is shutting down: tell the Management Layer. */
  public List<Action> stopping(Instant now) {
    List<Action> actions = new ArrayList<>();
    setStatus(AppStatus.STOPPING, "shutting down", now, actions);
    return actions;
  }

  /** Time passes: a reload waiting after a failure, probes, the protected-mode limit, status retries. */
  public List<Action> tick(Instant now) {
    List<Action> actions = new ArrayList<>();
    if (pendingReload != null && state == ConfigState.DISCONNECTED && !now.isBefore(reloadNotBefore)) {
      PendingReload pending = pendingReload;
      if (pending.mayProtect() && unprotected() == null) {
        // Made primary while the reload waited: protect the pair instead of going dark.
        pendingReload = null;
        enterProtected(now, actions);
      } else {
        reloadNow(pending.cause(), pending.detail(), pending.mayProtect(),
            pending.cause() == Action.Reload.Cause.SESSION_EXPIRED ? coverDue(now) : null, now, actions);
      }
    }
    if (state == ConfigState.DELAYED) {
      Duration max = options.protectedModeMaxDuration();
      if (!max.isZero() && !now.isBefore(protectedSince.plus(max))) {
        actions.add(new Action.Log(LogEvent.PROTECTED_MODE_LIMIT, "application", application, "max_duration_s",
            max.toSeconds()));
        endProtected(Action.Reload.Cause.PROTECTED_MODE_LIMIT, "protected-mode-max-duration reached", false, now,
            actions);
      } else if (!now.isBefore(nextProbeAt)) {
        probe(now, actions);
      }
    }
    if (!delivered && managementConnected && !now.isBefore(nextReportAt)) {
      report(now, actions);
    }
    if (managementConnected && heartbeatInterval != null && !now.isBefore(nextHeartbeatAt)) {
      nextHeartbeatAt = now.plus(heartbeatInterval);
      actions.add(new Action.SendHeartbeat(epoch));
    }
    return actions;
  }

  // ---- decisions -----------------------------------------------------------------------------

  /** Why a reload must happen now, in normal mode, or null when protected mode applies: the rules as decided. */
  private Unprotected unprotected() {
    if (options.standalone()) {
      return Unprotected.STANDALONE;
    }
    if (mode != Mode.PRIMARY) {
      return mode == Mode.BACKUP ? Unprotected.BACKUP : Unprotected.NO_MODE_YET;
    }
    if (!options.delayIfPrimary() || flaws.contains(Flaw.PRIMARY_RELOADS_AT_ONCE)) {
      return Unprotected.DELAY_IF_PRIMARY_OFF;
    }
    if (!options.peerAcceptsClients() && !flaws.contains(Flaw.IGNORE_PEER_ACCEPT_CLIENTS)) {
      return Unprotected.BACKUP_REFUSES_CLIENTS;
    }
    return null;
  }

  private String describe(Unprotected unprotected) {
    return switch (unprotected) {
      case STANDALONE -> "standalone";
      case BACKUP -> "backup";
      case NO_MODE_YET -> "no mode assigned yet";
      case DELAY_IF_PRIMARY_OFF -> "config-reload-delay-if-primary = false";
      case BACKUP_REFUSES_CLIENTS -> "backup " + options.peer() + " has accept-clients-in-backup-mode = no";
    };
  }

  /**
   * {@code now} when the options ask this primary to protect its pair — the rules as written,
   * whatever a flaw decides — so a reload it starts now is one the pair must serve through; else null.
   */
  private Instant coverDue(Instant now) {
    boolean due = !options.standalone() && mode == Mode.PRIMARY && options.delayIfPrimary()
        && options.peerAcceptsClients();
    return due ? now : null;
  }

  private void reloadNow(Action.Reload.Cause cause, String detail, boolean mayProtect, Instant coveredSince,
      Instant now, List<Action> actions) {
    if (now.isBefore(reloadNotBefore)) {
      // The last reload failed moments ago: keep serving what is in hand, try again after the wait.
      state = ConfigState.DISCONNECTED;
      pendingReload = new PendingReload(cause, detail, mayProtect);
      return;
    }
    pendingReload = null;
    state = ConfigState.RELOADING;
    servingThroughReload = options.serveDuringReload() && !flaws.contains(Flaw.DARK_DURING_RELOAD);
    reloading = new Action.Reload(cause, detail, coveredSince);
    servedThroughReload = availability() == Availability.SERVING;
    actions.add(new Action.Log(LogEvent.NORMAL_RELOAD_STARTED, "application", application, "reason", detail,
        "serving", servedThroughReload));
    // The reason goes to the Management Layer too: a member giving way says so.
    setStatus(AppStatus.INITIALIZING, "reloading configuration (" + detail + ")", now, actions);
    actions.add(reloading);
  }

  private void endProtected(Action.Reload.Cause cause, String reason, boolean mayProtectAgain, Instant now,
      List<Action> actions) {
    actions.add(new Action.Log(LogEvent.PROTECTED_MODE_ENDED, "application", application, "reason", reason,
        "after_ms", Duration.between(protectedSince, now).toMillis()));
    Instant coveredSince = cause == Action.Reload.Cause.HANDED_OVER ? protectedSince : null;
    protectedSince = null;
    backupReady = false;
    reloadNow(cause, "after protected mode: " + reason, mayProtectAgain, coveredSince, now, actions);
  }

  private void probe(Instant now, List<Action> actions) {
    nextProbeAt = now.plus(options.backupCheckInterval());
    actions.add(new Action.PollOptions());
    actions.add(new Action.ProbeBackup(requiredEventId));
  }

  private void setStatus(AppStatus newStatus, String detail, Instant now, List<Action> actions) {
    if (newStatus == status && detail.equals(statusDetail) && delivered) {
      return;
    }
    status = newStatus;
    statusDetail = detail;
    reportId++;
    delivered = false;
    report(now, actions);
  }

  private void report(Instant now, List<Action> actions) {
    if (!managementConnected) {
      return;
    }
    delivered = false;
    nextReportAt = now.plus(options.backupCheckInterval());
    actions.add(new Action.ReportStatus(reportId, status, statusDetail));
  }

  // ---- what the plumbing and the server info read -----------------------------------------------

  public ConfigState configState() {
    return state;
  }

  public ReloadMode reloadMode() {
    return state == ConfigState.DELAYED ? ReloadMode.PROTECTED : ReloadMode.NORMAL;
  }

  public Role role() {
    if (options.standalone()) {
      return Role.STANDALONE;
    }
    return switch (mode) {
      case PRIMARY -> Role.PRIMARY;
      case BACKUP -> Role.BACKUP;
      default -> Role.ROLE_UNSPECIFIED;
    };
  }

  /** The mode the Management Layer last commanded (MODE_UNSPECIFIED before any). */
  public Mode mode() {
    return mode;
  }

  /** The epoch of the last mode command obeyed (0 before any). */
  public long epoch() {
    return epoch;
  }

  public ReloadOptions options() {
    return options;
  }

  public long reloadCount() {
    return reloadCount;
  }

  /** Mode commands refused because they came under an older epoch than the last one obeyed. */
  public long staleModeCommandsRefused() {
    return staleModeCommandsRefused;
  }

  /** The reload under way, as it was decided; empty unless RELOADING. */
  public Optional<Action.Reload> reloadUnderWay() {
    return state == ConfigState.RELOADING ? Optional.ofNullable(reloading) : Optional.empty();
  }

  /** In protected mode, whether the last probe found the backup ready to take over. */
  public boolean backupReady() {
    return state == ConfigState.DELAYED && backupReady;
  }

  public long lastReloadMillis() {
    return lastReloadMillis;
  }

  public AppStatus status() {
    return status;
  }

  /**
   * After every input: a reload under way that stopped serving for a moment (made backup without
   * taking clients, say) did not serve throughout.
   */
  private void noteServing() {
    if (state == ConfigState.RELOADING && availability() != Availability.SERVING) {
      servedThroughReload = false;
    }
  }

  /** Health {@code SERVING} exactly when this is null; otherwise why not. */
  public String notServingReason() {
    return readiness().notServingReason();
  }

  /**
   * Serving; standing by (a backup that, as configured, takes no clients: in service all the
   * same); or out of service.
   */
  public Availability availability() {
    return readiness().availability();
  }

  private record Readiness(Availability availability, String notServingReason) {
    static final Readiness SERVING = new Readiness(Availability.SERVING, null);
  }

  private Readiness readiness() {
    if (state == ConfigState.LOADING || state == ConfigState.CONFIG_STATE_UNSPECIFIED) {
      return new Readiness(Availability.UNAVAILABLE, "loading configuration");
    }
    if (state == ConfigState.RELOADING && !servingThroughReload) {
      return new Readiness(Availability.UNAVAILABLE, "reloading configuration");
    }
    if (options.standalone()) {
      return Readiness.SERVING;
    }
    return switch (mode) {
      case PRIMARY -> Readiness.SERVING;
      case BACKUP -> options.acceptClientsInBackup() ? Readiness.SERVING
          : new Readiness(Availability.STANDING_BY, "backup mode; accept-clients-in-backup-mode = no");
      default -> new Readiness(Availability.UNAVAILABLE, "waiting for a mode from the Management Layer");
    };
  }
}
