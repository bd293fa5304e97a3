package io.tandem.protocol.redundancy;

import io.tandem.protocol.log.LogEvent;
import io.tandem.protocol.log.LogLine;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.SwitchoverReply;
import java.time.Duration;

/**
 * What the {@link RedundancyController} decided; the supervision plumbing carries it out through a
 * {@link Handler}, which has one method per kind of action, so a new kind does not compile until
 * the plumbing handles it.
 */
public sealed interface Action {
  /** Carries out each kind of action. */
  interface Handler {
    void sendMode(SendMode action);

    void sendSettings(SendSettings action);

    void endSession(EndSession action);

    void completeRequest(CompleteRequest action);

    void log(Log action);
  }

  /** Hands this action to the method of {@code handler} for its kind. */
  void dispatch(Handler handler);

  /** Tell {@code application} (on stream {@code session}) to run in {@code mode} under {@code epoch}; it acknowledges {@code commandId}. */
  record SendMode(String application, long session, long commandId, Mode mode, long epoch, String reason)
      implements Action {
    @Override
    public void dispatch(Handler handler) {
      handler.sendMode(this);
    }
  }

  /** Tell {@code application} (on stream {@code session}) how often to send heartbeats. */
  record SendSettings(String application, long session, Duration heartbeatInterval) implements Action {
    @Override
    public void dispatch(Handler handler) {
      handler.sendSettings(this);
    }
  }

  /**
   * End supervision stream {@code session} for {@code cause} (a refusal, or a stream replaced by a
   * newer one), telling the application {@code message}; a refused duplicate is told to keep asking
   * for {@code retryFor} (zero: final).
   */
  record EndSession(String application, long session, SessionEnd cause, String message, Duration retryFor)
      implements Action {
    public EndSession(String application, long session, SessionEnd cause, String message) {
      this(application, session, cause, message, Duration.ZERO);
    }

    @Override
    public void dispatch(Handler handler) {
      handler.endSession(this);
    }
  }

  /** Answer the operator's switchover request {@code requestId}. */
  record CompleteRequest(long requestId, SwitchoverReply reply) implements Action {
    @Override
    public void dispatch(Handler handler) {
      handler.completeRequest(this);
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
