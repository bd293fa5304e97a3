package io.tandem.protocol.log;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;

/**
 * Writes catalogued log events: {@code Std 02-10085 Normal mode of configuration reload
 * finished; objects=100000, ms=212}. Details are key/value pairs given in order. A value that
 * could be mistaken for the line's own structure (a line break or other control character, a
 * quote, {@code =}, {@code ,} or {@code ;}) is written in double quotes with backslash escapes,
 * so what a caller names cannot forge an event.
 */
public final class EventLog {
  /** Whoever else hears each event written: a service's ring of recent events. */
  public interface Listener {
    /** {@code event} was written by logger {@code loggerName} with {@code keysAndValues}. */
    void written(String loggerName, LogEvent event, List<Object> keysAndValues);
  }

  private static final List<Listener> LISTENERS = new CopyOnWriteArrayList<>();

  private EventLog() {}

  /** From now on {@code listener} hears every event written in this process, until it is removed. */
  public static void listen(Listener listener) {
    LISTENERS.add(listener);
  }

  public static void stopListening(Listener listener) {
    LISTENERS.remove(listener);
  }

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
    if (!LISTENERS.isEmpty()) {
      List<Object> details = Arrays.asList(keysAndValues.clone());
      for (Listener listener : LISTENERS) {
        try {
          listener.written(log.getName(), event, details);
        } catch (RuntimeException e) {
          // The event is written; a listener's failure must not stop the caller (a reload, a switchover).
          log.warn("a listener of {} failed", event.id(), e);
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
      line.append(i == 0 ? "; " : ", ").append(keysAndValues[i]).append('=');
      appendValue(line, String.valueOf(keysAndValues[i + 1]));
    }
    return line.toString();
  }

  /** {@code value} as {@link #emit} writes it: in quotes with escapes when it could be taken for the line's structure. */
  public static String value(String value) {
    StringBuilder out = new StringBuilder(value.length() + 2);
    appendValue(out, value);
    return out.toString();
  }

  private static void appendValue(StringBuilder line, String value) {
    if (!needsQuotes(value)) {
      line.append(value);
      return;
    }
    line.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> line.append("\\\"");
        case '\\' -> line.append("\\\\");
        case '\n' -> line.append("\\n");
        case '\r' -> line.append("\\r");
        case '\t' -> line.append("\\t");
        default -> {
          if (isUnprintable(c)) {
            line.append(String.format("\\u%04x", (int) c));
          } else {
            line.append(c);
          }
        }
      }
    }
    line.append('"');
  }

  private static boolean needsQuotes(String value) {
    if (value.isEmpty() || value.charAt(0) == ' ' || value.charAt(value.length() - 1) == ' ') {
      return true;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '=' || c == ',' || c == ';' || c == '\\' || isUnprintable(c)) {
        return true;
      }
    }
    return false;
  }

  /** Control characters, line and paragraph separators, and the invisible formatting ones (bidi overrides). */
  public static boolean isUnprintable(char c) {
    int type = Character.getType(c);
    return type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR;
  }
}
