package io.tandem.management.redundancy;

import io.tandem.common.logging.LogEvent;
import io.tandem.common.logging.LogLine;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.SwitchoverReply;

/** What the {@link RedundancyController} decided; the supervision plumbing carries it out. */
public sealed interface Action {
  /** Tell {@code application} to run in {@code mode}; it acknowledges {@code commandId}. */
  record SendMode(String application, long commandId, Mode mode, String reason) implements Action {}

  /** Answer the operator's switchover request {@code requestId}. */
  record CompleteRequest(long requestId, SwitchoverReply reply) implements Action {}

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
