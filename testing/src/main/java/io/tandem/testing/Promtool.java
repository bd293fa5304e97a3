package io.tandem.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/** Prometheus's {@code promtool} (Debian's {@code prometheus}), which checks and unit-tests alert rules. */
public final class Promtool {
  private static final String PACKAGE = "prometheus";

  private Promtool() {}

  /** The {@code promtool} on the PATH; skips the test without it, or fails it with {@code CI} set. */
  public static Path require() {
    Optional<Path> found = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator, -1))
        .filter(dir -> !dir.isEmpty()).map(dir -> Path.of(dir, "promtool")).filter(Files::isExecutable).findFirst();
    if (found.isEmpty()) {
      MissingPart.stop("promtool is not on the PATH: install Debian's " + PACKAGE + " (.ci/run does)");
    }
    return found.orElseThrow();
  }
}
