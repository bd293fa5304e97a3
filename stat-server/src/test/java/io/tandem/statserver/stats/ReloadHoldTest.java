package io.tandem.statserver.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What waits for a reload: everything, in order, with the bytes of its batches. */
class ReloadHoldTest {
  @Test
  void heldWorkComesBackInOrderWithTheBytesOfItsBatches() {
    ReloadHold hold = new ReloadHold();
    List<String> ran = new ArrayList<>();
    assertThat(hold.active()).isFalse();
    hold.begin();
    hold.hold(() -> ran.add("batch 1"), 60);
    hold.hold(() -> ran.add("after batch 1"), 0);
    hold.hold(() -> ran.add("batch 2"), 40);

    ReloadHold.Released released = hold.release();
    assertThat(released.bytes()).isEqualTo(100);
    assertThat(hold.active()).isFalse();
    released.work().forEach(Runnable::run);
    assertThat(ran).containsExactly("batch 1", "after batch 1", "batch 2");
    assertThat(hold.release().work()).as("released once").isEmpty();
  }
}
