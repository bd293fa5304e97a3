package io.tandem.common.bootstrap;

import java.nio.file.Path;

/**
 * How a service can be watched from outside besides its gRPC health: its metrics port (0: none)
 * and its status file (null: none).
 */
public record Observability(int metricsPort, Path statusFile) {
  public static final Observability NONE = new Observability(0, null);

  public static Observability metricsOn(int port) {
    return new Observability(port, null);
  }
}
