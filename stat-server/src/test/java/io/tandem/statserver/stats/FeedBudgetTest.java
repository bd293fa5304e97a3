package io.tandem.statserver.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * One budget for every stream: a stream is asked for a batch only while the budget has room for
 * what the largest batch could take, in line after that, and the batches it asked for never take
 * the budget past its limit.
 */
class FeedBudgetTest {
  private final List<String> asked = new ArrayList<>();

  /** A stream named {@code name}, whose asks are recorded in {@link #asked}. */
  private FeedLane lane(String name) {
    return new FeedLane(new FeedCall() {
      @Override
      public FeedCounters counters() {
        return new FeedCounters();
      }

      @Override
      public void acknowledge() {
      }

      @Override
      public void refuse(Status status) {
      }

      @Override
      public void more() {
        asked.add(name);
      }
    });
  }

  @Test
  void streamsAreAskedWhileTheirReservationFitsThenInTurnAsBatchesAreApplied() {
    FeedBudget budget = new FeedBudget(100, 30);
    FeedLane a = lane("a");
    FeedLane b = lane("b");
    FeedLane c = lane("c");
    FeedLane d = lane("d");
    for (FeedLane lane : List.of(a, b, c, d)) {
      budget.wantMore(lane);
    }
    assertThat(asked).as("three reservations fit in 100, a fourth does not").containsExactly("a", "b", "c");
    assertThat(budget.reserved()).isEqualTo(90);
    assertThat(budget.waiting()).isEqualTo(1);

    budget.received(a, 10);
    assertThat(budget.used()).isEqualTo(10);
    assertThat(asked).as("a's batch took less than its reservation: room for d, who waited")
        .containsExactly("a", "b", "c", "d");
    budget.wantMore(a);
    assertThat(budget.waiting()).as("a waits for room").isEqualTo(1);
    assertThat(budget.used() + budget.reserved()).isEqualTo(100);

    budget.release(10);
    assertThat(asked).as("three reservations outstanding: no room for a fourth").containsExactly("a", "b", "c", "d");
    budget.received(b, 10);
    assertThat(asked).as("b's batch took less than its reservation: room for a").containsExactly("a", "b", "c", "d",
        "a");
    assertThat(budget.used() + budget.reserved()).isEqualTo(100);
  }

  @Test
  void streamsInLineAreAskedOneAtATimeAsFarAsThereIsRoom() {
    FeedBudget budget = new FeedBudget(100, 30);
    FeedLane first = lane("first");
    budget.wantMore(first);
    budget.received(first, 100);
    List<FeedLane> waiting = List.of(lane("w1"), lane("w2"), lane("w3"), lane("w4"));
    waiting.forEach(budget::wantMore);
    asked.clear();
    assertThat(budget.waiting()).isEqualTo(4);

    budget.release(70);
    assertThat(asked).as("room for two reservations beside the 30 still held").containsExactly("w1", "w2");
    assertThat(budget.used() + budget.reserved()).isEqualTo(90);
    budget.release(30);
    assertThat(asked).containsExactly("w1", "w2", "w3");
  }

  @Test
  void aBudgetSmallerThanOneReservationLetsOneBatchThroughAtATime() {
    FeedBudget budget = new FeedBudget(10, 30);
    FeedLane a = lane("a");
    FeedLane b = lane("b");
    budget.wantMore(a);
    budget.wantMore(b);
    assertThat(asked).as("nothing counted: one is asked all the same").containsExactly("a");
    budget.received(a, 25);
    budget.wantMore(a);
    assertThat(asked).containsExactly("a");
    budget.release(25);
    assertThat(asked).containsExactly("a", "b");
    assertThat(budget.reserved()).isEqualTo(30);
  }

  @Test
  void aStreamThatEndsLeavesTheLineAndGivesItsReservationBack() {
    FeedBudget budget = new FeedBudget(60, 30);
    FeedLane a = lane("a");
    FeedLane b = lane("b");
    FeedLane gone = lane("gone");
    FeedLane c = lane("c");
    for (FeedLane lane : List.of(a, b, gone, c)) {
      budget.wantMore(lane);
    }
    assertThat(asked).containsExactly("a", "b");
    budget.close(gone);
    assertThat(budget.waiting()).as("a stream that ended does not wait").isEqualTo(1);
    budget.close(a);
    assertThat(asked).as("a's reservation goes to the next in line, not to the stream that ended")
        .containsExactly("a", "b", "c");
    assertThat(budget.reserved()).isEqualTo(60);
    budget.wantMore(gone);
    assertThat(budget.waiting()).as("nor is it asked again").isZero();
  }

  @Test
  void aLargerBudgetAsksTheStreamsWaiting() {
    FeedBudget budget = new FeedBudget(30, 30);
    budget.wantMore(lane("a"));
    budget.wantMore(lane("b"));
    assertThat(asked).containsExactly("a");
    budget.setLimit(1000);
    assertThat(asked).containsExactly("a", "b");
  }

  @Test
  void whateverStreamsDoWhatIsCountedStaysWithinTheBudgetOrOneReservation() {
    Random random = new Random(27);
    for (long limit : List.of(5L, 30L, 100L, 1000L)) {
      FeedBudget budget = new FeedBudget(limit, 30);
      List<FeedLane> lanes = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        lanes.add(lane("s" + i));
      }
      lanes.forEach(budget::wantMore);
      List<Long> unapplied = new ArrayList<>();
      for (int step = 0; step < 20_000; step++) {
        FeedLane lane = lanes.get(random.nextInt(lanes.size()));
        int what = random.nextInt(10);
        if (what < 5 && lane.turn == FeedBudget.Turn.ASKED) {
          long cost = 1L + random.nextInt(30);
          budget.received(lane, cost);
          unapplied.add(cost);
          budget.wantMore(lane);
        } else if (what < 9 && !unapplied.isEmpty()) {
          budget.release(unapplied.remove(0));
        } else if (what == 9) {
          budget.close(lane);
          lanes.remove(lane);
          FeedLane replacement = lane("r" + step);
          lanes.add(replacement);
          budget.wantMore(replacement);
        }
        assertThat(budget.used() + budget.reserved()).as("limit %d, step %d", limit, step)
            .isLessThanOrEqualTo(Math.max(limit, 30));
      }
      unapplied.forEach(budget::release);
      lanes.forEach(budget::close);
      assertThat(budget.used() + budget.reserved()).isZero();
    }
  }
}
