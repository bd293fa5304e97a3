package io.tandem.management.supervision;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What the watchdog takes for a pause of the process, on a hand-moved monotonic clock. */
class PauseWatchdogTest {
  private static final long MS = 1_000_000;
  private long now = 1_000 * MS;
  private final PauseWatchdog watchdog = new PauseWatchdog(now);

  /** The watchdog's thread sleeps and wakes {@code late} after it should. */
  private void sleepsAndWakes(Duration late) {
    now += PauseWatchdog.SLEEP.toNanos() + late.toNanos();
    watchdog.awoke(now);
  }

  @Test
  void wakeUpsLateByLessThanTheThresholdAreNoPause() {
    for (int i = 0; i < 100; i++) {
      sleepsAndWakes(PauseWatchdog.THRESHOLD.minusMillis(1));
    }
    assertThat(watchdog.take(now)).isEmpty();
  }

  @Test
  void aStoppedProcessIsOnePauseFromTheWakeUpItMissedToTheOneThatCame() {
    sleepsAndWakes(Duration.ZERO);
    long due = now + PauseWatchdog.SLEEP.toNanos();
    sleepsAndWakes(Duration.ofSeconds(5));
    assertThat(watchdog.take(now)).containsExactly(new PauseWatchdog.Span(due, now));
    assertThat(watchdog.take(now)).as("each pause is taken once").isEmpty();
  }

  @Test
  void aReaderThatRunsBeforeTheWatchdogAfterAStopIsToldThePauseLastingUntilNow() {
    sleepsAndWakes(Duration.ZERO);
    long due = now + PauseWatchdog.SLEEP.toNanos();
    long resumed = now + 5_000 * MS; // the process resumes; the reader runs, the watchdog has not yet
    assertThat(watchdog.take(resumed)).containsExactly(new PauseWatchdog.Span(due, resumed));

    now = resumed + 2 * MS;
    watchdog.awoke(now);
    assertThat(watchdog.take(now)).as("then the whole pause, once the watchdog wakes")
        .containsExactly(new PauseWatchdog.Span(due, now));
  }

  @Test
  void theTimeBeforeWatchingStartsIsNoPause() throws Exception {
    PauseWatchdog started = new PauseWatchdog(System.nanoTime() - Duration.ofSeconds(5).toNanos());
    started.start();
    try {
      assertThat(started.take(System.nanoTime())).isEmpty();
    } finally {
      started.close();
    }
  }
}
