package io.tandem.it;

import io.tandem.testing.RunnableJars;
import java.nio.file.Path;

/** The runnable jars under test that the fixtures do not start themselves. */
final class Jars {
  private Jars() {}

  static Path cli() {
    return RunnableJars.of("cli");
  }

  /** The checkout the jars were built in (what bin/tandem calls tandem.home). */
  static Path home() {
    return RunnableJars.home();
  }
}
