package io.tandem.cli.stack;

import io.tandem.cli.home.StackAddresses;
import io.tandem.cli.home.TandemHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a local stack lives: the runnable jars under the Tandem checkout ({@link TandemHome}),
 * and each member's log and pid file under {@code .tandem/} in the working directory.
 */
final class StackLayout {
  private final TandemHome home;
  private final Path stateDir;

  StackLayout(TandemHome home, Path stateDir) {
    this.home = home;
    this.stateDir = stateDir;
  }

  /** The checkout from {@code -Dtandem.home} (or this jar's location); state under {@code .tandem/} here. */
  static StackLayout fromEnvironment() {
    return new StackLayout(TandemHome.fromEnvironment(), StackAddresses.STATE_DIR.toAbsolutePath());
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
    return home.jar(module);
  }
}
