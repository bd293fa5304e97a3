package io.tandem.common.bootstrap;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --status-file}: where the service keeps its {@link StatusFile} (none by default). */
public final class StatusFileFlags {
  @Option(names = "--status-file", paramLabel = "FILE",
      description = "Rewrite FILE every second with the service's state (healthy=yes|no, serving, its links), for a"
          + " container's health check (default: none).")
  Path file;

  /** Null when there is none. */
  public Path file() {
    return file;
  }
}
