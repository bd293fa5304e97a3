package io.tandem.testing;

import java.nio.file.Path;

/** Prometheus's {@code promtool} (Debian's {@code prometheus}), which checks and unit-tests alert rules. */
public final class Promtool {
  private Promtool() {}

  /** The {@code promtool} on the PATH; skips the test without it, or fails it with {@code CI} set. */
  public static Path require() {
    return MissingPart.onPath("promtool", "prometheus");
  }
}
