package io.tandem.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** A part a test runs for real (etcd, libfaketime) is not installed: the test is skipped, or fails with {@code CI} set. */
final class MissingPart {
  private MissingPart() {}

  /** The program {@code name} on the PATH; stops the test naming {@code debianPackage} when there is none. */
  static Path onPath(String name, String debianPackage) {
    Optional<Path> found = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator, -1))
        .filter(dir -> !dir.isEmpty()).map(dir -> Path.of(dir, name)).filter(Files::isExecutable).findFirst();
    if (found.isEmpty()) {
      stop(name + " is not on the PATH: install Debian's " + debianPackage + " (.ci/run does)");
    }
    return found.orElseThrow();
  }

  static void stop(String why) {
    if (System.getenv("CI") != null) {
      Assertions.fail(why);
    }
    Assumptions.abort(why);
  }
}
