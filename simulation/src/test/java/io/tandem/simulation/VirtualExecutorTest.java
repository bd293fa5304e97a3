package io.tandem.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The simulated threads the shells run on: virtual time, one task at a time, blocking work on a carrier. */
class VirtualExecutorTest {
  private final VirtualTime time = new VirtualTime(7);
  private final Network network = new Network(time, new Random(7), 1, 1);
  private final Node process = new Node("process", time, network, new Trace(false)) {
    @Override
    void onStart() {}
  };
  private final List<String> happened = new ArrayList<>();

  VirtualExecutorTest() {
    process.start();
  }

  @AfterEach
  void endCarriers() {
    process.release();
  }

  private void note(String what) {
    happened.add(time.now() + " " + what);
  }

  /** {@code task} on {@code thread} after {@code ms}. */
  private static void later(VirtualExecutor thread, long ms, Runnable task) {
    var unused = thread.schedule(task, ms, TimeUnit.MILLISECONDS);
  }

  private void runUntil(long ms) {
    while (!time.idle() && time.now() <= ms) {
      time.step();
    }
  }

  @Test
  void tasksRunWhenVirtualTimeReachesThemAndInTheOrderGivenAtTheSameMillisecond() {
    VirtualExecutor thread = VirtualExecutor.of(time, process);
    later(thread, 10, () -> note("a"));
    later(thread, 5, () -> note("b"));
    later(thread, 10, () -> note("c"));
    thread.execute(() -> note("now"));
    runUntil(100);
    assertThat(happened).containsExactly("0 now", "5 b", "10 a", "10 c");
  }

  @Test
  void aPeriodicTaskComesAgainUntilCancelled() {
    VirtualExecutor thread = VirtualExecutor.of(time, process);
    ScheduledFuture<?> tick = thread.scheduleWithFixedDelay(() -> note("tick"), 25, 25, TimeUnit.MILLISECONDS);
    later(thread, 80, () -> tick.cancel(false));
    runUntil(200);
    assertThat(happened).containsExactly("25 tick", "50 tick", "75 tick");
  }

  @Test
  void workThatBlocksHoldsItsThreadAndWhatComesDueMeanwhileWaitsBehindIt() {
    VirtualExecutor thread = VirtualExecutor.blocking(time, process, "session");
    thread.execute(() -> {
      note("asks");
      String answer = thread.carrier().await(done -> time.after(50, process, () -> done.complete("answer")));
      note("got " + answer);
    });
    later(thread, 10, () -> note("next"));
    later(VirtualExecutor.of(time, process), 20, () -> note("another thread"));
    runUntil(200);
    assertThat(happened).containsExactly("0 asks", "20 another thread", "50 got answer", "50 next");
  }

  @Test
  void aProcessThatEndsUnwindsTheWorkWaitingOnItsThreadAndDropsTheRest() {
    VirtualExecutor thread = VirtualExecutor.blocking(time, process, "session");
    thread.execute(() -> {
      try {
        thread.carrier().await(done -> time.after(50, process, () -> done.complete(null)));
        note("answered");
      } finally {
        note("unwound");
      }
    });
    later(thread, 60, () -> note("later"));
    time.after(30, null, () -> process.crash("killed"));
    runUntil(200);
    assertThat(happened).containsExactly("30 unwound");
  }

  @Test
  void aBlockingCallOnAThreadThatMayNotBlockStopsTheRun() {
    VirtualExecutor session = VirtualExecutor.blocking(time, process, "session");
    VirtualExecutor control = VirtualExecutor.of(time, process);
    control.execute(() -> session.carrier().await(done -> { }));
    assertThatThrownBy(() -> runUntil(10)).hasMessageContaining("a blocking call outside a thread that may block");
  }
}
