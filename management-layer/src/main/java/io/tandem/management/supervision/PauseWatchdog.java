package io.tandem.management.supervision;

import io.tandem.common.concurrent.DaemonThreadFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Measures when this whole process did not run — stopped ({@code SIGSTOP}), in a long garbage
 * collection, starved of CPU — apart from anything the redundancy loop does: a thread that only
 * sleeps {@link #SLEEP} at a time and takes a wake-up more than {@link #THRESHOLD} late (on
 * {@code System.nanoTime}) for a pause of the process. Time the loop thread spends working is no
 * pause: this thread runs meanwhile. Thread-safe.
 */
final class PauseWatchdog implements AutoCloseable {
  static final Duration SLEEP = Duration.ofMillis(10);
  /**
   * Lateness below this is scheduling noise, not a pause. A pause this short costs no member its
   * place: heartbeats come five times per {@code heartbeat-timeout}, 40 ms apart at the most often.
   */
  static final Duration THRESHOLD = Duration.ofMillis(50);

  /** A span of {@code System.nanoTime} during which the process did not run. */
  record Span(long fromNanos, long toNanos) {}

  private final long sleepNanos;
  private final long thresholdNanos;
  private long lastAwake;
  private final List<Span> found = new ArrayList<>();
  private volatile boolean closed;
  private Thread thread;

  /** A watchdog that last woke at {@code startNanos} ({@code System.nanoTime}). */
  PauseWatchdog(long startNanos) {
    this.sleepNanos = SLEEP.toNanos();
    this.thresholdNanos = THRESHOLD.toNanos();
    this.lastAwake = startNanos;
  }

  synchronized void start() {
    lastAwake = System.nanoTime(); // watching starts now: the time before is no pause
    thread = new DaemonThreadFactory("pause-watchdog").newThread(this::watch);
    thread.start();
  }

  private void watch() {
    while (!closed) {
      try {
        Thread.sleep(SLEEP.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return; // closed
      }
      awoke(System.nanoTime());
    }
  }

  /** The watchdog woke at {@code nanos}, a sleep after it last did: a late wake-up was a pause. */
  synchronized void awoke(long nanos) {
    long due = lastAwake + sleepNanos;
    if (nanos - due > thresholdNanos) {
      found.add(new Span(due, nanos));
    }
    lastAwake = nanos;
  }

  /**
   * The pauses found since the last call, and — when the watchdog has not woken for longer than
   * a pause takes — the one lasting until {@code nowNanos}: the process was just resumed and
   * the caller ran before this thread did. That one is reported again, whole, once this thread
   * wakes; a reader counts time covered twice once.
   */
  synchronized List<Span> take(long nowNanos) {
    List<Span> spans = new ArrayList<>(found);
    found.clear();
    long due = lastAwake + sleepNanos;
    if (nowNanos - due > thresholdNanos) {
      spans.add(new Span(due, nowNanos));
    }
    return spans;
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    Thread running;
    synchronized (this) {
      running = thread;
    }
    if (running != null) {
      running.interrupt();
      running.join(1_000);
    }
  }
}
