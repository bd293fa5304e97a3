package io.tandem.cli.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a local stack lives: the runnable jars under the Tandem checkout ({@code tandem.home}),
 * and each member's log and pid file under {@code .tandem/} in the working directory.
 */
final class StackLayout {
  private final Path home;
  private final Path stateDir;

  StackLayout(Path home, Path stateDir) {
    this.home = home;
    this.stateDir = stateDir;
  }

  /** The checkout from {@code -Dtandem.home} (set by {@code bin/tandem}), else from this jar's location. */
  static StackLayout fromEnvironment() {
    String configured = System.getProperty("tandem.home");
    Path home;
    if (configured != null) {
      home = Path.of(configured);
    } else {
      try {
        // cli/target/tandem-cli-VERSION-all.jar -> the checkout
        Path jar = Path.of(StackLayout.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        home = jar.getParent().getParent().getParent();
      } catch (URISyntaxException e) {
        throw new IllegalStateException("cannot locate the Tandem checkout; set -Dtandem.home", e);
      }
    }
    return new StackLayout(home.toAbsolutePath().normalize(), Path.of(".tandem").toAbsolutePath());
  }

  Path stateDir() {
    return stateDir;
  }

  Path log(String member) {
    return stateDir.resolve(member + ".log");
  }

  Path pidFile(String member) {
    return stateDir.resolve(member + ".pid");
  }

  /** Every pid file under the state directory. */
  List<Path> pidFiles() {
    List<Path> files = new ArrayList<>();
    if (!Files.isDirectory(stateDir)) {
      return files;
    }
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(stateDir, "*.pid")) {
      dir.forEach(files::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    files.sort(null);
    return files;
  }

  /** The runnable jar of {@code module}, e.g. {@code stat-server/target/tandem-stat-server-*-all.jar}. */
  Path jar(String module) {
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
