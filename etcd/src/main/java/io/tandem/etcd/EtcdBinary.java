package io.tandem.etcd;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The {@code etcd} server binary a local cluster is started from: Debian's {@value #PACKAGE}. */
public final class EtcdBinary {
  /** The Debian package that installs it, named in every message that says it is missing. */
  public static final String PACKAGE = "etcd-server";

  private EtcdBinary() {}

  /** The {@code etcd} binary on the PATH, if there is one. */
  public static Optional<Path> onPath() {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator, -1)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, "etcd");
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** Why a cluster cannot be started here. */
  public static String missing() {
    return "etcd is not on the PATH: install Debian's " + PACKAGE + " package (apt-get install " + PACKAGE + ")";
  }
}
