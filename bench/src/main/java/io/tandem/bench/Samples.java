package io.tandem.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Durations measured over runs, in milliseconds, and their order statistics. */
final class Samples {
  private final List<Double> millis = new ArrayList<>();

  void add(long nanos) {
    millis.add(nanos / 1_000_000.0);
  }

  int count() {
    return millis.size();
  }

  /** The {@code p}-th percentile (nearest rank), 0 < p ≤ 100. */
  double percentile(double p) {
    if (millis.isEmpty()) {
      throw new IllegalStateException("no samples");
    }
    List<Double> sorted = new ArrayList<>(millis);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  double median() {
    return percentile(50);
  }

  String describe() {
    return String.format("runs=%d min=%.1f median=%.1f p90=%.1f max=%.1f ms", count(), percentile(0.0001),
        median(), percentile(90), percentile(100));
  }
}
