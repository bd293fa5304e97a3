package io.tandem.statserver.stats;

import io.tandem.stat.v1.EventBatch;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;

/**
 * One memory budget for every Feed stream of this server (statserver/reload-feed-buffer): what
 * the batches received and not yet applied take — waiting for the engine thread, or held while a
 * reload is built. A stream asks its producer for the next batch only once admitted, that is while
 * what is received stays within the budget (exactly full still is); past it, streams wait in
 * line and are asked again as batches are applied. gRPC reads a stream's next message only once asked for it, so what the
 * server holds of all its streams together is the budget plus at most the one batch each stream
 * was last asked for. Thread-safe: transport threads take, the engine thread gives back.
 */
final class FeedBudget {
  /**
   * What one event takes in the heap beyond its wire size: the message object, its strings'
   * headers, the list slot (a 48-byte event on the wire takes about 221 bytes once parsed).
   */
  static final long EVENT_OVERHEAD_BYTES = 176;

  private long limit;
  private long used;
  private final Queue<Runnable> waiting = new ArrayDeque<>();

  FeedBudget(long limit) {
    this.limit = limit;
  }

  /** What {@code batch} takes in memory once parsed, as the budget counts it. */
  static long inMemory(EventBatch batch) {
    return batch.getSerializedSize() + EVENT_OVERHEAD_BYTES * batch.getEventsCount();
  }

  /** A batch of {@code bytes} arrived: it counts until {@link #release}d. */
  synchronized void take(long bytes) {
    used += bytes;
  }

  /** Runs {@code ask} (asks a stream for its next batch) now if the budget admits it, else once it does. */
  void whenAdmitted(Runnable ask) {
    synchronized (this) {
      if (used > limit) {
        waiting.add(ask);
        return;
      }
    }
    ask.run();
  }

  /** A batch of {@code bytes} was applied (or given up): the streams waiting are asked again if there is room. */
  void release(long bytes) {
    List<Runnable> admitted;
    synchronized (this) {
      used -= bytes;
      admitted = admitted();
    }
    admitted.forEach(Runnable::run);
  }

  void setLimit(long bytes) {
    List<Runnable> admitted;
    synchronized (this) {
      limit = bytes;
      admitted = admitted();
    }
    admitted.forEach(Runnable::run);
  }

  /** Bytes received and not yet applied, all streams together. */
  synchronized long used() {
    return used;
  }

  private List<Runnable> admitted() {
    if (used > limit || waiting.isEmpty()) {
      return List.of();
    }
    List<Runnable> admitted = new ArrayList<>(waiting);
    waiting.clear();
    return admitted;
  }
}
