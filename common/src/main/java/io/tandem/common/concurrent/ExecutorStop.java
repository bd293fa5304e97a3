package io.tandem.common.concurrent;

import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops a service's executor the way grpc-java stops a server: {@code shutdown}, wait for the
 * work in hand, and if it does not end within the grace, say so (00-05079) and interrupt it.
 */
public final class ExecutorStop {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorStop.class);

  private ExecutorStop() {}

  /**
   * Stops {@code executor}, named {@code name} in the log; true if it ended within {@code grace}
   * without being interrupted.
   */
  public static boolean stop(ExecutorService executor, String name, Duration grace) throws InterruptedException {
    executor.shutdown();
    if (executor.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      return true;
    }
    EventLog.emit(LOG, LogEvent.EXECUTOR_STOP_FORCED, "thread", name, "grace_ms", grace.toMillis());
    executor.shutdownNow();
    executor.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
    return false;
  }

  /**
   * Hands {@code work} to {@code executor}, unless the executor was stopped: what arrives while
   * its service stops (the end of a call it cancelled, a callback of another part) has nothing
   * left to do and is dropped. True if it was handed over.
   */
  public static boolean executeUnlessStopped(ExecutorService executor, Runnable work) {
    try {
      executor.execute(work);
      return true;
    } catch (RejectedExecutionException e) {
      if (executor.isShutdown()) {
        return false;
      }
      throw e;
    }
  }
}
