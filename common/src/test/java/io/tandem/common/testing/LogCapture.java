package io.tandem.common.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** What a class logs during a test: attach, act, read the lines, close. */
public final class LogCapture implements AutoCloseable {
  private final Logger logger;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  public LogCapture(Class<?> source) {
    this.logger = (Logger) LoggerFactory.getLogger(source);
    appender.start();
    logger.addAppender(appender);
  }

  /** The messages logged so far, formatted. */
  public List<String> lines() {
    return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
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
