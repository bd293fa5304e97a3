package io.tandem.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** A part a test runs for real (etcd, libfaketime) is not installed: the test is skipped, or fails with {@code CI} set. */
final class MissingPart {
  private MissingPart() {}

  static void stop(String why) {
    if (System.getenv("CI") != null) {
      Assertions.fail(why);
    }
    Assumptions.abort(why);
  }
}
