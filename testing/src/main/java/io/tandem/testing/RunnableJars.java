package io.tandem.testing;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the runnable jars are: {@code MODULE/target/tandem-MODULE-VERSION-all.jar} under the Tandem
 * checkout, which is {@code -Dtandem.home} or the nearest directory above the working directory
 * holding {@code mvnw}. A build may name a jar directly with {@code -Dtandem.jar.MODULE=PATH}.
 */
public final class RunnableJars {
  private RunnableJars() {}

  public static Path of(Service service) {
    return of(service.module());
  }

  /** The runnable jar of {@code module} ("cli", "bench", "stat-server", ...). */
  public static Path of(String module) {
    String named = System.getProperty("tandem.jar." + module);
    if (named != null) {
      return existing(Path.of(named).toAbsolutePath().normalize(), module);
    }
    Path target = home().resolve(module).resolve("target");
    try (DirectoryStream<Path> jars = Files.newDirectoryStream(target, "tandem-" + module + "-*-all.jar")) {
      for (Path jar : jars) {
        return jar;
      }
    } catch (IOException e) {
      // reported below
    }
    throw new IllegalStateException("no runnable jar of " + module + " under " + target
        + "; the jars are built in the package phase: ./mvnw -B verify (or -DskipTests package)");
  }

  /** The Tandem checkout (what {@code bin/tandem} calls tandem.home). */
  public static Path home() {
    String configured = System.getProperty("tandem.home");
    if (configured != null) {
      return Path.of(configured).toAbsolutePath().normalize();
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("mvnw"))) {
        return dir;
      }
    }
    throw new IllegalStateException("cannot find the Tandem checkout above " + Path.of("").toAbsolutePath()
        + "; set -Dtandem.home");
  }

  private static Path existing(Path jar, String module) {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " (the runnable jar of " + module + ") does not exist; "
          + "the jars are built in the package phase: ./mvnw -B verify");
    }
    return jar;
  }
}
