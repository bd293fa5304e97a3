package io.tandem.statserver.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What waits for a reload: everything, in order, with its bytes counted against the budget. */
class ReloadHoldTest {
  @Test
  void heldWorkComesBackInOrderAndTheBudgetCountsOnlyBatches() {
    ReloadHold hold = new ReloadHold(100);
    List<String> ran = new ArrayList<>();
    assertThat(hold.active()).isFalse();
    hold.begin();
    assertThat(hold.admit(60)).isTrue();
    hold.hold(() -> ran.add("batch 1"));
    hold.hold(() -> ran.add("after batch 1"));
    assertThat(hold.admit(40)).as("exactly full still fits").isTrue();
    hold.hold(() -> ran.add("batch 2"));
    assertThat(hold.admit(1)).isFalse();
    hold.hold(() -> ran.add("batch 3"));
    assertThat(hold.heldBytes()).isEqualTo(101);

    ReloadHold.Released released = hold.release();
    assertThat(released.bytes()).isEqualTo(101);
    assertThat(hold.active()).isFalse();
    assertThat(hold.heldBytes()).isZero();
    released.work().forEach(Runnable::run);
    assertThat(ran).containsExactly("batch 1", "after batch 1", "batch 2", "batch 3");
    assertThat(hold.release().work()).as("released once").isEmpty();
  }

  @Test
  void aChangedBudgetAppliesToWhatComesNext() {
    ReloadHold hold = new ReloadHold(10);
    hold.begin();
    assertThat(hold.admit(20)).isFalse();
    hold.setBudget(1000);
    assertThat(hold.admit(20)).isTrue();
  }
}
