package io.tandem.protocol.log;

import java.util.List;
import org.slf4j.Logger;

/**
 * A catalogued log event decided but not yet written: pure state machines return these, and
 * the plumbing that runs them writes them with {@link #emit}.
 */
public record LogLine(LogEvent event, List<Object> details) {
  public LogLine(LogEvent event, Object... details) {
    this(event, List.of(details));
  }

  public void emit(Logger log) {
    EventLog.emit(log, event, details.toArray());
  }
}
