package io.tandem.protocol.reload;

import io.tandem.protocol.log.LogEvent;
import io.tandem.protocol.log.LogLine;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.ModeCommand;
import java.time.Instant;

/**
 * What the {@link ReloadStateMachine} decided; the Stat Server's plumbing carries it out through a
 * {@link Handler}, which has one method per kind of action, so a new kind does not compile until
 * the plumbing handles it.
 */
public sealed interface Action {
  /** Carries out each kind of action. */
  interface Handler {
    void loadConfiguration(LoadConfiguration action);

    void restoreSession(RestoreSession action);

    void closeSession(CloseSession action);

    void reload(Reload action);

    void probeBackup(ProbeBackup action);

    void pollOptions(PollOptions action);

    void reportStatus(ReportStatus action);

    void acknowledgeMode(AcknowledgeMode action);

    void sendHeartbeat(SendHeartbeat action);

    void exit(Exit action);

    void log(Log action);
  }

  /** Hands this action to the method of {@code handler} for its kind. */
  void dispatch(Handler handler);

  /** Read the whole configuration (snapshot), then watch from its event id. First load. */
  record LoadConfiguration() implements Action {
    @Override
    public void dispatch(Handler handler) {
      handler.loadConfiguration(this);
    }
  }

  /** Restore the session: watch from the last applied event id, reconnecting with backoff until it answers. */
  record RestoreSession() implements Action {
    @Override
    public void dispatch(Handler handler) {
      handler.restoreSession(this);
    }
  }

  /** Close the configuration session and do not reconnect (protected mode). */
  record CloseSession() implements Action {
    @Override
    public void dispatch(Handler handler) {
      handler.closeSession(this);
    }
  }

  /**
   * Reload: a new snapshot built beside the current model and swapped in, then watch from it.
   *
   * @param cause why a reload now, in normal mode
   * @param detail the cause in words, as the log and the status report give it
   * @param coveredSince since when the pair must keep serving through this reload, or null when
   *     it may go dark for it: when protected mode began, for the reload after the handover that
   *     protected mode asked for; the reload's own start, for a primary whose options call for
   *     protected mode (the rules never reload such a primary at once: protected mode comes first)
   */
  record Reload(Cause cause, String detail, Instant coveredSince) implements Action {
    /** Why a reload runs now, in normal mode. */
    public enum Cause {
      /**
       * The session could not be restored, and protected mode does not apply: a backup, a
       * standalone server, no mode yet, or a primary whose options rule protected mode out.
       */
      SESSION_EXPIRED,
      /** Protected mode ended with the handover it asked for: the backup was found ready, and this server made backup. */
      HANDED_OVER,
      /** Protected mode ended: this server was made backup before its backup was found ready. */
      SWITCHED_TO_BACKUP,
      /** Protected mode ended: the peer is a protected primary too, and this server is the one that gives way. */
      GAVE_WAY,
      /** Protected mode ended: {@code protected-mode-max-duration} was reached. */
      PROTECTED_MODE_LIMIT,
      /** Protected mode ended: the options no longer allow it. */
      PROTECTED_MODE_RULED_OUT
    }

    @Override
    public void dispatch(Handler handler) {
      handler.reload(this);
    }
  }

  /**
   * Is the backup ready: its client port {@code SERVING} and its configuration at least as new
   * as event {@code requiredEventId} (the head when this server's session expired), i.e. reloaded?
   */
  record ProbeBackup(long requiredEventId) implements Action {
    @Override
    public void dispatch(Handler handler) {
      handler.probeBackup(this);
    }
  }

  /** Read this server's and its peer's Application objects (protected mode: the session is closed). */
  record PollOptions() implements Action {
    @Override
    public void dispatch(Handler handler) {
      handler.pollOptions(this);
    }
  }

  /** Send a status report with id {@code reportId} to the Management Layer. */
  record ReportStatus(long reportId, AppStatus status, String detail) implements Action {
    @Override
    public void dispatch(Handler handler) {
      handler.reportStatus(this);
    }
  }

  /** Acknowledge a mode command (the server now runs in that mode, under its epoch). */
  record AcknowledgeMode(ModeCommand command) implements Action {
    @Override
    public void dispatch(Handler handler) {
      handler.acknowledgeMode(this);
    }
  }

  /** Tell the Management Layer this server (its decision thread) is alive, running under {@code epoch}. */
  record SendHeartbeat(long epoch) implements Action {
    @Override
    public void dispatch(Handler handler) {
      handler.sendHeartbeat(this);
    }
  }

  /** Stop the process with exit status 1: it must not run (another instance of it is alive). */
  record Exit(String reason) implements Action {
    @Override
    public void dispatch(Handler handler) {
      handler.exit(this);
    }
  }

  /** Write a catalogued log event. */
  record Log(LogLine line) implements Action {
    public Log(LogEvent event, Object... details) {
      this(new LogLine(event, details));
    }

    public LogEvent event() {
      return line.event();
    }

    @Override
    public void dispatch(Handler handler) {
      handler.log(this);
    }
  }
}
