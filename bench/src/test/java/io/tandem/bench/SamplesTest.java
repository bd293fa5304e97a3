package io.tandem.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SamplesTest {
  @Test
  void percentilesAreNearestRank() {
    Samples samples = new Samples();
    for (int ms = 1; ms <= 100; ms++) {
      samples.add(ms * 1_000_000L);
    }
    assertThat(samples.median()).isEqualTo(50.0);
    assertThat(samples.percentile(99)).isEqualTo(99.0);
    assertThat(samples.percentile(100)).isEqualTo(100.0);
  }
}
