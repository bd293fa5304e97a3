package io.tandem.cli.home;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** The Tandem checkout the command line belongs to, and the runnable jars built in it. */
public final class TandemHome {
  private final Path home;

  private TandemHome(Path home) {
    this.home = home;
  }

  /** From {@code -Dtandem.home} (set by {@code bin/tandem}), else from this jar's location. */
  public static TandemHome fromEnvironment() {
    String configured = System.getProperty("tandem.home");
    Path home;
    if (configured != null) {
      home = Path.of(configured);
    } else {
      try {
        // cli/target/tandem-cli-VERSION-all.jar -> the checkout
        Path jar = Path.of(TandemHome.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        home = jar.getParent().getParent().getParent();
      } catch (URISyntaxException e) {
        throw new IllegalStateException("cannot locate the Tandem checkout; set -Dtandem.home", e);
      }
    }
    return new TandemHome(home.toAbsolutePath().normalize());
  }

  public Path path() {
    return home;
  }

  /** The runnable jar of {@code module}, e.g. {@code stat-server/target/tandem-stat-server-*-all.jar}. */
  public Path jar(String module) {
    Path target = home.resolve(module).resolve("target");
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(target, "tandem-" + module + "-*-all.jar")) {
      for (Path jar : dir) {
        return jar;
      }
    } catch (IOException e) {
      // reported below
    }
    throw new IllegalStateException("no runnable jar of " + module + " under " + target
        + "; build it with ./mvnw -B -DskipTests package");
  }
}
