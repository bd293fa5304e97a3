package io.tandem.cli;

import io.grpc.ManagedChannel;
import io.tandem.common.grpc.Channels;
import io.tandem.common.grpc.HealthProbe;
import io.tandem.common.grpc.HostPort;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tandem health HOST:PORT}: exit 0 only when SERVING. */
@Command(name = "health", mixinStandardHelpOptions = true,
    description = "Print the grpc.health.v1 status of a service; exit 0 only when SERVING.")
final class HealthCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "HOST:PORT", converter = HostPort.Converter.class)
  HostPort address;

  @Option(names = "--service", defaultValue = "", description = "Service name to check (default: the whole server).")
  String service;

  @Option(names = "--timeout-ms", defaultValue = "2000", description = "Deadline of the check (default ${DEFAULT-VALUE}).")
  long timeoutMs;

  @Override
  public Integer call() {
    ManagedChannel channel = Channels.open(address);
    try {
      HealthProbe.Result result = HealthProbe.check(channel, service, Duration.ofMillis(timeoutMs));
      System.out.println(address + " " + result.describe());
      return result.serving() ? 0 : 1;
    } finally {
      Channels.close(channel, Duration.ofSeconds(1));
    }
  }
}
