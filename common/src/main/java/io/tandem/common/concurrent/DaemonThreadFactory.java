package io.tandem.common.concurrent;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Named daemon threads: a service's background work must never keep the JVM alive after the
 * lifecycle has stopped it, and thread names make thread dumps readable.
 */
public final class DaemonThreadFactory implements ThreadFactory {
  private final String prefix;
  private final AtomicInteger count = new AtomicInteger();

  public DaemonThreadFactory(String prefix) {
    this.prefix = prefix;
  }

  @Override
  public Thread newThread(Runnable r) {
    Thread thread = new Thread(r, prefix + "-" + count.incrementAndGet());
    thread.setDaemon(true);
    return thread;
  }
}
