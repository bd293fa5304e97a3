package io.tandem.statserver.stats;

import io.tandem.stat.v1.EventBatch;
import io.tandem.stat.v1.ProducerProgress;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Exactly once per producer: how far each producer's sequenced batches are applied, kept across
 * reloads, so a batch re-sent after a broken stream is recognised and skipped.
 *
 * <p>Bounded: a producer is remembered for {@link #IDLE_TTL} after its last batch, and at most
 * {@link #CAP} producers are. Past the cap a new producer is refused ({@link Admission#FULL})
 * until one is forgotten for being idle: forgetting one heard from lately instead — one waiting
 * out its reconnect backoff, say — would let its re-sent batches be applied twice. A batch is
 * skipped as already applied only while its producer is remembered; a producer this ledger does
 * not know is taken as new from the sequence its batch carries, and a first batch beyond sequence
 * 1 says so ({@link Admission#RESUMED}: this server restarted or forgot it).
 *
 * <p>Written by the engine thread only, with the time as an argument; {@link #summary} may be
 * read from any thread (GetServerInfo).
 */
final class ProducerLedger {
  /** How long a producer is remembered after its last batch. */
  static final Duration IDLE_TTL = Duration.ofHours(24);
  /** How many producers are remembered at most. */
  static final int CAP = 10_000;
  /** How many producers a summary lists: the most recently active. */
  static final int LISTED = 100;

  /** What the ledger says of a sequenced batch before it is applied. */
  enum Admission {
    /** Applied before: skip it. */
    DUPLICATE,
    /** The next batch of a producer it knows, or the first (sequence 1) of a new one. */
    NEXT,
    /**
     * A producer it knows, beyond the next batch: refused. Applied, it would say every batch up to
     * there was, and the missing ones, coming later, would be skipped as duplicates.
     */
    GAP,
    /** A producer it does not know whose batch is beyond sequence 1: applied from there. */
    RESUMED,
    /** A producer it does not know while it remembers {@link #CAP} others: refused. */
    FULL
  }

  /**
   * How far one producer came, and when it was heard from last (the ledger's count of batches
   * heard: the time of two batches may be the same millisecond). Replaced whole on every batch,
   * so readers see it consistent.
   */
  private record Entry(ProducerProgress progress, long heard) {}

  private final Duration idleTtl;
  private final int cap;
  private final Map<String, Entry> byProducer = new ConcurrentHashMap<>();
  /** Producer ids, the one heard from longest ago first. The engine thread's alone. */
  private final LinkedHashMap<String, Long> byLastBatch = new LinkedHashMap<>();
  private final AtomicLong forgottenIdle = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private long batchesHeard;

  ProducerLedger() {
    this(IDLE_TTL, CAP);
  }

  ProducerLedger(Duration idleTtl, int cap) {
    this.idleTtl = idleTtl;
    this.cap = cap;
  }

  /** Whether {@code batch} carries a producer id and a sequence: only those are applied at most once. */
  static boolean sequenced(EventBatch batch) {
    return !batch.getProducerId().isEmpty() && batch.getSequence() > 0;
  }

  /** The sequence through which {@code producer}'s batches are applied (0: none, or forgotten). */
  long appliedThrough(String producer) {
    Entry entry = byProducer.get(producer);
    return entry == null ? 0 : entry.progress().getAppliedThrough();
  }

  /** How many producers it remembers at most. */
  int cap() {
    return cap;
  }

  /** What {@code batch} (sequenced) is to this ledger. */
  Admission admit(EventBatch batch) {
    Entry entry = byProducer.get(batch.getProducerId());
    if (entry == null) {
      if (byProducer.size() >= cap) {
        return Admission.FULL;
      }
      return batch.getSequence() == 1 ? Admission.NEXT : Admission.RESUMED;
    }
    long appliedThrough = entry.progress().getAppliedThrough();
    return batch.getSequence() <= appliedThrough ? Admission.DUPLICATE
        : batch.getSequence() == appliedThrough + 1 ? Admission.NEXT : Admission.GAP;
  }

  /** A batch it admitted as {@link Admission#FULL} was refused: counted. */
  void refused() {
    refused.incrementAndGet();
  }

  /**
   * {@code batch} (sequenced, not refused) has just been applied, or skipped as a duplicate, at
   * {@code nowMs}: its producer is active.
   */
  void heard(EventBatch batch, boolean applied, long nowMs) {
    String producer = batch.getProducerId();
    Entry before = byProducer.get(producer);
    ProducerProgress progress = before == null ? ProducerProgress.newBuilder().setProducerId(producer).build()
        : before.progress();
    if (applied) {
      progress = progress.toBuilder().setAppliedThrough(batch.getSequence())
          .setEvents(progress.getEvents() + batch.getEventsCount()).build();
    }
    byProducer.put(producer, new Entry(progress, ++batchesHeard));
    byLastBatch.remove(producer);
    byLastBatch.put(producer, nowMs);
  }

  /** Forgets the producers idle for the TTL at {@code nowMs}. */
  void expire(long nowMs) {
    long idleSince = nowMs - idleTtl.toMillis();
    while (!byLastBatch.isEmpty()) {
      Map.Entry<String, Long> oldest = byLastBatch.entrySet().iterator().next();
      if (oldest.getValue() > idleSince) {
        return;
      }
      byLastBatch.remove(oldest.getKey());
      byProducer.remove(oldest.getKey());
      forgottenIdle.incrementAndGet();
    }
  }

  /** The {@link #LISTED} most recently active producers (by id), and the counts. */
  ProducerSummary summary() {
    List<ProducerProgress> recent = byProducer.values().stream()
        .sorted(Comparator.comparingLong(Entry::heard).reversed()).limit(LISTED).map(Entry::progress)
        .sorted(Comparator.comparing(ProducerProgress::getProducerId)).toList();
    return new ProducerSummary(recent, byProducer.size(), forgottenIdle.get(), refused.get());
  }
}
