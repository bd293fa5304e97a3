package io.tandem.statserver.stats;

import java.util.concurrent.atomic.AtomicLong;

/** What became of one Feed stream's events. */
public final class FeedCounters {
  final AtomicLong accepted = new AtomicLong();
  final AtomicLong unknownObject = new AtomicLong();
  final AtomicLong ignored = new AtomicLong();

  public long accepted() {
    return accepted.get();
  }

  public long unknownObject() {
    return unknownObject.get();
  }

  public long ignored() {
    return ignored.get();
  }
}
