package io.tandem.common.logging;

import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Catalogued events that a caller can cause once per request (a refused statistic, a denied
 * call): each event id is written at most {@code burst} times per {@code window}; the rest are
 * counted, and when the window ends one 00-05076 line says how many of which event were
 * suppressed. A flood of bad requests costs a few lines, and nothing goes unaccounted.
 */
public final class RateLimitedLog {
  /** The window and burst every per-request event in Tandem uses. */
  public static final Duration WINDOW = Duration.ofSeconds(10);
  public static final int BURST = 20;

  /** Ends windows that had suppressed lines; one daemon thread for the whole process. */
  private static final ScheduledExecutorService FLUSHER =
      Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("log-rate-limit"));

  private final Logger log;
  private final long windowNanos;
  private final int burst;
  private final LongSupplier nanoTime;
  private final Map<LogEvent, Window> windows = new ConcurrentHashMap<>();

  public RateLimitedLog(Logger log) {
    this(log, WINDOW, BURST, System::nanoTime);
  }

  RateLimitedLog(Logger log, Duration window, int burst, LongSupplier nanoTime) {
    this.log = log;
    this.windowNanos = window.toNanos();
    this.burst = burst;
    this.nanoTime = nanoTime;
  }

  /** Writes the event as {@link EventLog#emit} does, unless its id has had its burst in this window. */
  public void emit(LogEvent event, Object... keysAndValues) {
    Window window = window(event);
    boolean write;
    boolean scheduleFlush = false;
    synchronized (window) {
      long now = nanoTime.getAsLong();
      if (now - window.start >= windowNanos) {
        window.flush(event);
        window.start = now;
      }
      write = window.written < burst;
      if (write) {
        window.written++;
      } else {
        scheduleFlush = window.suppressed++ == 0;
      }
    }
    if (write) {
      EventLog.emit(log, event, keysAndValues);
    } else if (scheduleFlush) {
      // The flush only writes a log line: there is no failure worth keeping in the future.
      var unused = FLUSHER.schedule(() -> flushIfEnded(event, window), windowNanos, TimeUnit.NANOSECONDS);
    }
  }

  /** The current window of {@code event} (for tests that end windows by hand). */
  Window window(LogEvent event) {
    return windows.computeIfAbsent(event, e -> new Window());
  }

  /** Writes the suppressed count of a window that ended with no event to end it. */
  void flushIfEnded(LogEvent event, Window window) {
    synchronized (window) {
      if (nanoTime.getAsLong() - window.start >= windowNanos) {
        window.flush(event);
        window.start = nanoTime.getAsLong();
      }
    }
  }

  /** Lines of one event id in the current window. */
  final class Window {
    private long start = nanoTime.getAsLong();
    private int written;
    private long suppressed;

    /** Called holding this window's monitor. */
    private void flush(LogEvent event) {
      if (suppressed > 0) {
        EventLog.emit(log, LogEvent.EVENTS_SUPPRESSED, "event", event.id(), "suppressed", suppressed,
            "seconds", Duration.ofNanos(windowNanos).toSeconds());
      }
      written = 0;
      suppressed = 0;
    }
  }
}
