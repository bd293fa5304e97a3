package io.tandem.common.logging;

import org.slf4j.Logger;

/**
 * Writes catalogued log events: {@code Std 02-10085 Normal mode of configuration reload
 * finished; objects=100000, ms=212}. Details are key/value pairs given in order.
 */
public final class EventLog {
  private EventLog() {}

  /**
   * Logs {@code event} with details {@code keysAndValues} ({@code "objects", 12, "ms", 40}).
   *
   * @throws IllegalArgumentException if the details are not key/value pairs
   */
  public static void emit(Logger log, LogEvent event, Object... keysAndValues) {
    if (keysAndValues.length % 2 != 0) {
      throw new IllegalArgumentException(
          "details of " + event.id() + " must be key/value pairs, got " + keysAndValues.length + " items");
    }
    switch (event.level()) {
      case ALR -> {
        if (log.isWarnEnabled()) {
          log.warn(format(event, keysAndValues));
        }
      }
      default -> {
        if (log.isInfoEnabled()) {
          log.info(format(event, keysAndValues));
        }
      }
    }
  }

  /** The line {@link #emit} writes, without the logger's own prefix. */
  public static String format(LogEvent event, Object... keysAndValues) {
    StringBuilder line = new StringBuilder(64)
        .append(event.level().label()).append(' ')
        .append(event.id()).append(' ')
        .append(event.text());
    for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
      line.append(i == 0 ? "; " : ", ").append(keysAndValues[i]).append('=').append(keysAndValues[i + 1]);
    }
    return line.toString();
  }
}
