package io.tandem.statserver.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.stat.v1.CenterEvent;
import io.tandem.stat.v1.EventBatch;
import io.tandem.stat.v1.ProducerProgress;
import org.junit.jupiter.api.Test;

/** Exactly once per producer: a batch re-sent after a broken stream is recognised; producers are kept apart. */
class ProducerLedgerTest {
  private static EventBatch batch(String producer, long sequence, int events) {
    EventBatch.Builder batch = EventBatch.newBuilder().setProducerId(producer).setSequence(sequence);
    for (int i = 0; i < events; i++) {
      batch.addEvents(CenterEvent.getDefaultInstance());
    }
    return batch.build();
  }

  @Test
  void aBatchAtOrBelowTheAppliedSequenceIsAlreadyAppliedAndCountsStayPerProducer() {
    ProducerLedger ledger = new ProducerLedger();
    assertThat(ledger.alreadyApplied(batch("p", 1, 3))).isFalse();
    ledger.applied(batch("p", 1, 3));
    ledger.applied(batch("p", 2, 2));
    ledger.applied(batch("q", 1, 7));

    assertThat(ledger.alreadyApplied(batch("p", 1, 3))).isTrue();
    assertThat(ledger.alreadyApplied(batch("p", 2, 2))).isTrue();
    assertThat(ledger.alreadyApplied(batch("p", 3, 1))).isFalse();
    assertThat(ledger.alreadyApplied(batch("r", 1, 1))).as("another producer's sequences are its own").isFalse();
    assertThat(ledger.all()).containsExactly(
        ProducerProgress.newBuilder().setProducerId("p").setAppliedThrough(2).setEvents(5).build(),
        ProducerProgress.newBuilder().setProducerId("q").setAppliedThrough(1).setEvents(7).build());
  }

  @Test
  void onlyBatchesWithAProducerAndASequenceAreSequenced() {
    assertThat(ProducerLedger.sequenced(batch("p", 1, 1))).isTrue();
    assertThat(ProducerLedger.sequenced(batch("", 1, 1))).isFalse();
    assertThat(ProducerLedger.sequenced(batch("p", 0, 1))).isFalse();
  }
}
