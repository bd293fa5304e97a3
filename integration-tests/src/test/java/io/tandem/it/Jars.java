package io.tandem.it;

import java.nio.file.Files;
import java.nio.file.Path;

/** The runnable jars under test, as the build passed them in. */
final class Jars {
  private Jars() {}

  static Path configServer() {
    return jar("tandem.jar.config-server");
  }

  static Path managementLayer() {
    return jar("tandem.jar.management-layer");
  }

  static Path statServer() {
    return jar("tandem.jar.stat-server");
  }

  static Path cli() {
    return jar("tandem.jar.cli");
  }

  /** The checkout the jars were built in (what bin/tandem calls tandem.home). */
  static Path home() {
    return cli().getParent().getParent().getParent();
  }

  private static Path jar(String property) {
    String value = System.getProperty(property);
    if (value == null) {
      throw new IllegalStateException("system property " + property + " is not set; run the tests through Maven (./mvnw verify)");
    }
    Path path = Path.of(value).toAbsolutePath().normalize();
    if (!Files.isRegularFile(path)) {
      throw new IllegalStateException(path + " does not exist; the runnable jars are built in the package phase: ./mvnw verify");
    }
    return path;
  }
}
