package io.tandem.statserver.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.stat.v1.CenterEvent;
import io.tandem.stat.v1.EventBatch;
import io.tandem.stat.v1.EventType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One budget for every stream: streams are asked for more while it admits, and in line after. */
class FeedBudgetTest {
  @Test
  void streamsAreAskedWhileItAdmitsThenInLineAsBatchesAreApplied() {
    FeedBudget budget = new FeedBudget(100);
    List<String> asked = new ArrayList<>();
    budget.take(60);
    budget.whenAdmitted(() -> asked.add("a"));
    budget.take(40);
    budget.whenAdmitted(() -> asked.add("b"));
    assertThat(asked).as("exactly full still admits").containsExactly("a", "b");
    budget.take(30);
    budget.whenAdmitted(() -> asked.add("c"));
    budget.whenAdmitted(() -> asked.add("d"));
    assertThat(asked).as("past the budget, streams wait").containsExactly("a", "b");
    assertThat(budget.used()).isEqualTo(130);

    budget.release(20);
    assertThat(asked).as("still past it").hasSize(2);
    budget.release(10);
    assertThat(asked).as("back within it: every stream waiting is asked, in order").containsExactly("a", "b", "c", "d");
    assertThat(budget.used()).isEqualTo(100);
  }

  @Test
  void aLargerBudgetAdmitsTheStreamsWaiting() {
    FeedBudget budget = new FeedBudget(10);
    List<String> asked = new ArrayList<>();
    budget.take(20);
    budget.whenAdmitted(() -> asked.add("a"));
    assertThat(asked).isEmpty();
    budget.setLimit(1000);
    assertThat(asked).containsExactly("a");
  }

  @Test
  void aBatchCountsWhatItTakesInMemoryNotOnlyOnTheWire() {
    EventBatch.Builder batch = EventBatch.newBuilder();
    for (int i = 0; i < 500; i++) {
      batch.addEvents(CenterEvent.newBuilder().setType(EventType.CALL_ANSWERED).setTimestampMs(1_767_225_600_000L + i)
          .setAgent(String.format("agent%06d", i)).setQueue("queue001").setCallId("call-" + (1_000_000 + i)));
    }
    EventBatch built = batch.build();
    // Measured on a 64-bit JVM with compressed pointers: 110,519 bytes in the heap for this batch's 24,045 on the wire.
    assertThat(FeedBudget.inMemory(built)).isBetween(100_000L, 120_000L);
  }
}
