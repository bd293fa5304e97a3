package io.tandem.common.metrics;

import picocli.CommandLine.Option;

/** {@code --metrics-port}: where a service serves its metrics (Prometheus text format), or 0 for nowhere. */
public final class MetricsFlags {
  @Option(names = "--metrics-port", defaultValue = "0",
      description = "Port serving Prometheus metrics at /metrics, over the same TLS as the service port (0, the"
          + " default: no metrics port).")
  int port;

  public int port() {
    return port;
  }

  /** The port, checked. */
  public int validated() {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("--metrics-port: " + port + " is not a port (0 for none, 1..65535)");
    }
    return port;
  }
}
