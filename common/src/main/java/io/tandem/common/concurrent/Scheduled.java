package io.tandem.common.concurrent;

import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts work on a scheduled executor so that its failure is logged (00-05082) where it happens.
 * A {@code ScheduledFuture} nobody reads would keep the exception to itself, and a repeating task
 * that threw once would silently never run again: here it runs again at its next time.
 */
public final class Scheduled {
  private static final Logger LOG = LoggerFactory.getLogger(Scheduled.class);

  private Scheduled() {}

  /** Runs {@code task}, named {@code name} in the log, once after {@code delay}. */
  public static void after(ScheduledExecutorService executor, String name, Duration delay, Runnable task) {
    var unused = executor.schedule(logged(name, task), delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Runs {@code task} after {@code first}, then {@code every} after each run ends. */
  public static void repeat(ScheduledExecutorService executor, String name, Duration first, Duration every,
      Runnable task) {
    var unused = executor.scheduleWithFixedDelay(logged(name, task), first.toNanos(), every.toNanos(),
        TimeUnit.NANOSECONDS);
  }

  /** Runs {@code task} now, on {@code executor}'s thread. */
  public static void now(ScheduledExecutorService executor, String name, Runnable task) {
    executor.execute(logged(name, task));
  }

  private static Runnable logged(String name, Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        LOG.warn(EventLog.format(LogEvent.SCHEDULED_TASK_FAILED, "task", name, "error", e.toString()), e);
      }
    };
  }
}
