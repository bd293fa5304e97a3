package io.tandem.common.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private static final Backoff.Policy POLICY =
      new Backoff.Policy(Duration.ofMillis(100), Duration.ofSeconds(5), 2.0, 0.2);

  @Test
  void delaysGrowExponentiallyWithinTheJitterBand() {
    for (int run = 0; run < 200; run++) {
      Backoff backoff = new Backoff(POLICY);
      double base = 100;
      for (int attempt = 1; attempt <= 6; attempt++) {
        long delay = backoff.nextDelay().toMillis();
        assertThat(delay).as("attempt %d", attempt).isBetween((long) Math.floor(base * 0.8), (long) Math.ceil(base * 1.2));
        base *= 2;
      }
    }
  }

  @Test
  void delaysNeverExceedTheMaximumHoweverManyFailures() {
    Backoff backoff = new Backoff(POLICY);
    for (int attempt = 0; attempt < 10_000; attempt++) {
      assertThat(backoff.nextDelay()).isLessThanOrEqualTo(Duration.ofSeconds(5)).isPositive();
    }
    assertThat(backoff.failures()).isEqualTo(10_000);
  }

  @Test
  void jitterSpreadsClientsApart() {
    Backoff a = new Backoff(POLICY);
    long distinct = java.util.stream.IntStream.range(0, 50)
        .mapToObj(i -> new Backoff(POLICY).nextDelay())
        .distinct().count();
    assertThat(a.nextDelay()).isPositive();
    assertThat(distinct).isGreaterThan(5);
  }

  @Test
  void theSameSeedGivesTheSameDelays() {
    Backoff first = new Backoff(POLICY, new Random(42));
    Backoff second = new Backoff(POLICY, new Random(42));
    List<Duration> drawn = new ArrayList<>();
    for (int round = 0; round < 20; round++) {
      Duration delay = first.nextDelay();
      drawn.add(delay);
      assertThat(second.nextDelay()).as("round %d", round).isEqualTo(delay);
      first.reset();
      second.reset();
    }
    assertThat(drawn.stream().distinct().count()).as("jittered").isGreaterThan(10);
  }

  @Test
  void successResetsToTheInitialInterval() {
    Backoff backoff = new Backoff(POLICY);
    for (int i = 0; i < 8; i++) {
      backoff.nextDelay();
    }
    backoff.reset();
    assertThat(backoff.failures()).isZero();
    assertThat(backoff.nextDelay().toMillis()).isBetween(80L, 120L);
  }

  @Test
  void nonsensePoliciesAreRefused() {
    assertThatThrownBy(() -> new Backoff.Policy(Duration.ZERO, Duration.ofSeconds(1), 2, 0.1))
        .hasMessageContaining("initial");
    assertThatThrownBy(() -> new Backoff.Policy(Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 0.1))
        .hasMessageContaining("below initial");
    assertThatThrownBy(() -> new Backoff.Policy(Duration.ofSeconds(1), Duration.ofSeconds(2), 0.5, 0.1))
        .hasMessageContaining("multiplier");
    assertThatThrownBy(() -> new Backoff.Policy(Duration.ofSeconds(1), Duration.ofSeconds(2), 2, 1.0))
        .hasMessageContaining("jitter");
  }
}
