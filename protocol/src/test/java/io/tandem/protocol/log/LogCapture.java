package io.tandem.protocol.log;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** What a class logs during a test (from any thread): attach, act, read the lines, close. */
public final class LogCapture implements AutoCloseable {
  private final Logger logger;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  public LogCapture(Class<?> source) {
    this(source.getName());
  }

  /** What the logger named {@code loggerName} (a class's full name) logs. */
  public LogCapture(String loggerName) {
    this.logger = (Logger) LoggerFactory.getLogger(loggerName);
    appender.start();
    logger.addAppender(appender);
  }

  /** The messages logged so far, formatted. */
  public List<String> lines() {
    // AppenderBase appends holding the appender's monitor: holding it too, the list stands still.
    synchronized (appender) {
      return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  /** The messages carrying catalogued event {@code id} ("00-05072"). */
  public List<String> withId(String id) {
    return lines().stream().filter(line -> line.contains(" " + id + " ")).toList();
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
  }
}
