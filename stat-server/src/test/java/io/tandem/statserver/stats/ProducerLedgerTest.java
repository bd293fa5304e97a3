package io.tandem.statserver.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.stat.v1.CenterEvent;
import io.tandem.stat.v1.EventBatch;
import io.tandem.stat.v1.ProducerProgress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Exactly once per producer while it is remembered: a batch re-sent after a broken stream is
 * recognised, producers are kept apart, the ledger forgets producers idle for its TTL, and past its
 * cap refuses new ones (time is an argument: a hand-moved clock).
 */
class ProducerLedgerTest {
  private static final long T0 = 1_767_225_600_000L;
  private static final long HOUR = Duration.ofHours(1).toMillis();

  private static EventBatch batch(String producer, long sequence, int events) {
    EventBatch.Builder batch = EventBatch.newBuilder().setProducerId(producer).setSequence(sequence);
    for (int i = 0; i < events; i++) {
      batch.addEvents(CenterEvent.getDefaultInstance());
    }
    return batch.build();
  }

  /** What the engine does with a batch: refuse it when the ledger is full or it skips ahead, skip a duplicate, apply the rest. */
  private static ProducerLedger.Admission feed(ProducerLedger ledger, EventBatch batch, long nowMs) {
    ProducerLedger.Admission admission = ledger.admit(batch);
    if (admission == ProducerLedger.Admission.FULL) {
      ledger.refused();
    } else if (admission != ProducerLedger.Admission.GAP) {
      ledger.heard(batch, admission != ProducerLedger.Admission.DUPLICATE, nowMs);
    }
    return admission;
  }

  @Test
  void aBatchAtOrBelowTheAppliedSequenceIsADuplicateAndCountsStayPerProducer() {
    ProducerLedger ledger = new ProducerLedger();
    assertThat(feed(ledger, batch("p", 1, 3), T0)).isEqualTo(ProducerLedger.Admission.NEXT);
    feed(ledger, batch("p", 2, 2), T0);
    feed(ledger, batch("q", 1, 7), T0);

    assertThat(ledger.admit(batch("p", 1, 3))).isEqualTo(ProducerLedger.Admission.DUPLICATE);
    assertThat(ledger.admit(batch("p", 2, 2))).isEqualTo(ProducerLedger.Admission.DUPLICATE);
    assertThat(ledger.admit(batch("p", 3, 1))).isEqualTo(ProducerLedger.Admission.NEXT);
    assertThat(ledger.admit(batch("r", 1, 1))).as("another producer's sequences are its own")
        .isEqualTo(ProducerLedger.Admission.NEXT);
    assertThat(ledger.summary().mostRecent()).containsExactly(
        ProducerProgress.newBuilder().setProducerId("p").setAppliedThrough(2).setEvents(5).build(),
        ProducerProgress.newBuilder().setProducerId("q").setAppliedThrough(1).setEvents(7).build());
  }

  /**
   * Applied, batch 3 after 1 would make "applied through 3" a lie, and batch 2, coming later
   * (two streams of one producer, say), would be skipped as a duplicate.
   */
  @Test
  void aBatchBeyondTheNextOfAProducerItKnowsIsAGapAndTheNextIsStillTheNext() {
    ProducerLedger ledger = new ProducerLedger();
    feed(ledger, batch("p", 1, 1), T0);
    assertThat(feed(ledger, batch("p", 3, 1), T0)).isEqualTo(ProducerLedger.Admission.GAP);
    assertThat(ledger.appliedThrough("p")).isEqualTo(1);
    assertThat(feed(ledger, batch("p", 2, 1), T0)).isEqualTo(ProducerLedger.Admission.NEXT);
    assertThat(feed(ledger, batch("p", 3, 1), T0)).isEqualTo(ProducerLedger.Admission.NEXT);
    assertThat(ledger.admit(batch("q", 5, 1))).as("one it does not know resumes where it says")
        .isEqualTo(ProducerLedger.Admission.RESUMED);
  }

  @Test
  void aReSentBatchIsSkippedWhileItsProducerIsRememberedAndNotOnceItWasForgotten() {
    ProducerLedger ledger = new ProducerLedger();
    feed(ledger, batch("p", 1, 1), T0);
    feed(ledger, batch("p", 2, 1), T0 + HOUR);

    ledger.expire(T0 + HOUR + ProducerLedger.IDLE_TTL.toMillis() - 1);
    assertThat(feed(ledger, batch("p", 2, 1), T0 + HOUR + ProducerLedger.IDLE_TTL.toMillis() - 1))
        .as("re-sent just within the TTL of its last batch: skipped").isEqualTo(ProducerLedger.Admission.DUPLICATE);
    long lastHeard = T0 + HOUR + ProducerLedger.IDLE_TTL.toMillis() - 1;
    ledger.expire(lastHeard + ProducerLedger.IDLE_TTL.toMillis() - 1);
    assertThat(ledger.summary().remembered()).as("a duplicate is a sign of life too").isEqualTo(1);

    ledger.expire(lastHeard + ProducerLedger.IDLE_TTL.toMillis());
    assertThat(ledger.summary()).satisfies(s -> {
      assertThat(s.remembered()).isZero();
      assertThat(s.mostRecent()).isEmpty();
      assertThat(s.forgottenIdle()).isEqualTo(1);
    });
    assertThat(ledger.admit(batch("p", 2, 1))).as("forgotten: a batch past sequence 1 is a resumption, not a duplicate")
        .isEqualTo(ProducerLedger.Admission.RESUMED);
    assertThat(ledger.admit(batch("p", 1, 1))).isEqualTo(ProducerLedger.Admission.NEXT);
    feed(ledger, batch("p", 3, 4), lastHeard + ProducerLedger.IDLE_TTL.toMillis());
    assertThat(ledger.admit(batch("p", 3, 4))).as("remembered again from there").isEqualTo(ProducerLedger.Admission.DUPLICATE);
    assertThat(ledger.summary().mostRecent()).containsExactly(
        ProducerProgress.newBuilder().setProducerId("p").setAppliedThrough(3).setEvents(4).build());
  }

  @Test
  void pastTheCapANewProducerIsRefusedAndARememberedProducersReSentBatchStaysADuplicate() {
    ProducerLedger ledger = new ProducerLedger(ProducerLedger.IDLE_TTL, 3);
    long now = T0;
    for (long sequence = 1; sequence <= 5; sequence++) {
      feed(ledger, batch("p", sequence, 1), now++);
    }
    // While p reconnects after a broken stream, four other producers come.
    List<ProducerLedger.Admission> others = new ArrayList<>();
    for (String other : List.of("q", "r", "s", "t")) {
      others.add(feed(ledger, batch(other, 1, 1), now++));
    }
    assertThat(ledger.admit(batch("p", 5, 1))).as("p re-sends its batch 5, applied before the break")
        .isEqualTo(ProducerLedger.Admission.DUPLICATE);
    assertThat(others).as("past the cap of 3, new producers are refused").containsExactly(
        ProducerLedger.Admission.NEXT, ProducerLedger.Admission.NEXT, ProducerLedger.Admission.FULL,
        ProducerLedger.Admission.FULL);
    assertThat(ledger.summary()).satisfies(s -> {
      assertThat(s.mostRecent()).extracting(ProducerProgress::getProducerId).containsExactly("p", "q", "r");
      assertThat(s.refused()).isEqualTo(2);
      assertThat(s.forgottenIdle()).isZero();
    });

    // The idle TTL still forgets: once p, q and r have been idle for it, s is let in.
    feed(ledger, batch("p", 6, 1), now);
    ledger.expire(now + ProducerLedger.IDLE_TTL.toMillis() - 1);
    assertThat(feed(ledger, batch("s", 1, 1), now + ProducerLedger.IDLE_TTL.toMillis() - 1))
        .as("q and r were idle for the TTL: forgotten, there is room").isEqualTo(ProducerLedger.Admission.NEXT);
    assertThat(ledger.summary().forgottenIdle()).isEqualTo(2);
    assertThat(ledger.admit(batch("p", 6, 1))).as("p, heard later, is still remembered")
        .isEqualTo(ProducerLedger.Admission.DUPLICATE);
  }

  @Test
  void theSummaryListsTheMostRecentlyActiveOnly() {
    ProducerLedger ledger = new ProducerLedger();
    for (int i = 0; i < ProducerLedger.LISTED + 50; i++) {
      feed(ledger, batch(String.format("p%03d", i), 1, 1), T0 + i);
    }
    assertThat(ledger.summary()).satisfies(s -> {
      assertThat(s.remembered()).isEqualTo(ProducerLedger.LISTED + 50);
      assertThat(s.mostRecent()).hasSize(ProducerLedger.LISTED);
      assertThat(s.mostRecent().get(0).getProducerId()).as("by id, the oldest left out").isEqualTo("p050");
    });
  }

  @Test
  void onlyBatchesWithAProducerAndASequenceAreSequenced() {
    assertThat(ProducerLedger.sequenced(batch("p", 1, 1))).isTrue();
    assertThat(ProducerLedger.sequenced(batch("", 1, 1))).isFalse();
    assertThat(ProducerLedger.sequenced(batch("p", 0, 1))).isFalse();
  }
}
