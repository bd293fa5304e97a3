package io.tandem.protocol.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class MonotonicClockTest {
  @Test
  void startsAtTheWallClockAndNeverGoesBack() {
    Instant before = Instant.now();
    MonotonicClock clock = MonotonicClock.startingNow();
    Instant previous = clock.instant();
    assertThat(Duration.between(before, previous)).isLessThan(Duration.ofMinutes(1)).isGreaterThanOrEqualTo(Duration.ZERO);
    for (int i = 0; i < 10_000; i++) {
      Instant now = clock.instant();
      assertThat(now).isAfterOrEqualTo(previous);
      previous = now;
    }
  }
}
