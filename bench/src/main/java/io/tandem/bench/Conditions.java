package io.tandem.bench;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Waiting, outside the measured part of a benchmark, for the system to reach a state. */
final class Conditions {
  private Conditions() {}

  /**
   * Checks {@code condition} every {@code poll} until it holds.
   *
   * @throws IllegalStateException naming {@code what} if it does not hold within {@code timeout}
   */
  static void await(String what, Duration timeout, Duration poll, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(what + " did not happen within " + timeout.toSeconds() + " s");
      }
      TimeUnit.NANOSECONDS.sleep(poll.toNanos());
    }
  }
}
