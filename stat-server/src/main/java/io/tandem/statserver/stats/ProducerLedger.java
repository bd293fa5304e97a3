package io.tandem.statserver.stats;

import io.tandem.stat.v1.EventBatch;
import io.tandem.stat.v1.ProducerProgress;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exactly once per producer: how far each producer's sequenced batches are applied, kept across
 * reloads, so a batch re-sent after a broken stream is recognised and skipped. Written by the
 * engine thread only; read from any thread (GetServerInfo).
 */
final class ProducerLedger {
  private final Map<String, ProducerProgress> byProducer = new ConcurrentHashMap<>();

  /** Whether {@code batch} carries a producer id and a sequence: only those are applied at most once. */
  static boolean sequenced(EventBatch batch) {
    return !batch.getProducerId().isEmpty() && batch.getSequence() > 0;
  }

  /** The sequence through which {@code producer}'s batches are applied (0: none yet). */
  long appliedThrough(String producer) {
    ProducerProgress progress = byProducer.get(producer);
    return progress == null ? 0 : progress.getAppliedThrough();
  }

  /** Whether {@code batch} (sequenced) was applied already. */
  boolean alreadyApplied(EventBatch batch) {
    return batch.getSequence() <= appliedThrough(batch.getProducerId());
  }

  /** {@code batch} (sequenced) has just been applied. */
  void applied(EventBatch batch) {
    byProducer.merge(batch.getProducerId(), ProducerProgress.newBuilder().setProducerId(batch.getProducerId())
            .setAppliedThrough(batch.getSequence()).setEvents(batch.getEventsCount()).build(),
        (before, now) -> now.toBuilder().setEvents(before.getEvents() + now.getEvents()).build());
  }

  /** Every producer seen, by id. */
  List<ProducerProgress> all() {
    return byProducer.values().stream().sorted(Comparator.comparing(ProducerProgress::getProducerId)).toList();
  }
}
