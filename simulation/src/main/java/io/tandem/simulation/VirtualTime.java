package io.tandem.simulation;

import io.tandem.protocol.time.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * A run's time: a queue of events, each for one incarnation of a node (or for the world), taken
 * in time order; at the same millisecond by rank (0 for the network and the world, a seeded rank
 * for each simulated thread), then in the order they were scheduled. Taking one moves the clock
 * to it; nothing waits on the wall clock.
 */
final class VirtualTime {
  private static final Instant ORIGIN = Instant.parse("2026-01-01T00:00:00Z");

  private static final int RANKS = 1_000;

  private record Event(long at, int rank, long seq, Node node, long incarnation, Runnable task) {}

  private final PriorityQueue<Event> queue = new PriorityQueue<>((x, y) -> x.at != y.at ? Long.compare(x.at, y.at)
      : x.rank != y.rank ? Integer.compare(x.rank, y.rank) : Long.compare(x.seq, y.seq));
  private final ManualClock clock = new ManualClock(ORIGIN);
  private final Random ranks;
  private long now;
  private long sequence;

  /** With the ranks of simulated threads drawn from {@code seed}. */
  VirtualTime(long seed) {
    this.ranks = new Random(seed * 0x9E3779B97F4A7C15L + 3);
  }

  /** A rank for a new simulated thread: before or after the network's events of the same millisecond. */
  int drawRank() {
    return ranks.nextInt(2 * RANKS + 1) - RANKS;
  }

  /** Milliseconds since the run began. */
  long now() {
    return now;
  }

  Instant instant() {
    return clock.instant();
  }

  /** The clock the services' classes read: it moves with the events. */
  Clock clock() {
    return clock;
  }

  /** Runs {@code task} after {@code delayMs} for the current incarnation of {@code node} (for the world when null). */
  void after(long delayMs, Node node, Runnable task) {
    at(now + delayMs, node, node == null ? 0 : node.incarnation(), task);
  }

  /** Runs {@code task} at {@code time} for incarnation {@code incarnation} of {@code node}: dropped if it ended by then. */
  void at(long time, Node node, long incarnation, Runnable task) {
    at(time, 0, node, incarnation, task);
  }

  void at(long time, int rank, Node node, long incarnation, Runnable task) {
    queue.add(new Event(Math.max(time, now), rank, ++sequence, node, incarnation, task));
  }

  boolean idle() {
    return queue.isEmpty();
  }

  /** Takes the next event: the clock moves to it, and it runs (or is dropped, or deferred, as its node is). */
  void step() {
    Event next = queue.poll();
    if (next.at > now) {
      clock.advance(Duration.ofMillis(next.at - now));
      now = next.at;
    }
    if (next.node == null) {
      next.task.run();
    } else {
      next.node.deliver(next.incarnation, next.task);
    }
  }
}
