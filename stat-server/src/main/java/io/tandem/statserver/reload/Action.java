package io.tandem.statserver.reload;

import io.tandem.common.logging.LogEvent;
import io.tandem.common.logging.LogLine;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.ModeCommand;

/** What the {@link ReloadStateMachine} decided; the Stat Server's plumbing carries it out. */
public sealed interface Action {
  /** Read the whole configuration (snapshot), then watch from its event id. First load. */
  record LoadConfiguration() implements Action {}

  /** Restore the session: watch from the last applied event id, reconnecting with backoff until it answers. */
  record RestoreSession() implements Action {}

  /** Close the configuration session and do not reconnect (protected mode). */
  record CloseSession() implements Action {}

  /** Reload: a new snapshot built beside the current model and swapped in, then watch from it. */
  record Reload(String reason) implements Action {}

  /**
   * Is the backup ready: its client port {@code SERVING} and its configuration at least as new
   * as event {@code requiredEventId} (the head when this server's session expired), i.e. reloaded?
   */
  record ProbeBackup(long requiredEventId) implements Action {}

  /** Read this server's and its peer's Application objects (protected mode: the session is closed). */
  record PollOptions() implements Action {}

  /** Send a status report with id {@code reportId} to the Management Layer. */
  record ReportStatus(long reportId, AppStatus status, String detail) implements Action {}

  /** Acknowledge a mode command (the server now runs in that mode). */
  record AcknowledgeMode(ModeCommand command) implements Action {}

  /** Write a catalogued log event. */
  record Log(LogLine line) implements Action {
    public Log(LogEvent event, Object... details) {
      this(new LogLine(event, details));
    }

    public LogEvent event() {
      return line.event();
    }
  }
}
