package io.tandem.statserver.stats;

import io.tandem.stat.v1.FeedProgress;
import java.util.concurrent.atomic.AtomicLong;

/** What became of one Feed stream's events, and how far its producer's batches are applied. */
public final class FeedCounters {
  final AtomicLong accepted = new AtomicLong();
  final AtomicLong unknownObject = new AtomicLong();
  final AtomicLong ignored = new AtomicLong();
  final AtomicLong duplicateBatches = new AtomicLong();
  private volatile String producerId = "";
  private volatile long appliedThrough;

  public long accepted() {
    return accepted.get();
  }

  public long unknownObject() {
    return unknownObject.get();
  }

  public long ignored() {
    return ignored.get();
  }

  public long duplicateBatches() {
    return duplicateBatches.get();
  }

  void appliedThrough(String producer, long sequence) {
    producerId = producer;
    appliedThrough = sequence;
  }

  /** The progress message that tells the producer all this. */
  public FeedProgress progress(boolean last) {
    return FeedProgress.newBuilder().setProducerId(producerId).setAppliedThrough(appliedThrough)
        .setAccepted(accepted()).setUnknownObject(unknownObject()).setIgnored(ignored())
        .setDuplicateBatches(duplicateBatches()).setFinal(last).build();
  }
}
