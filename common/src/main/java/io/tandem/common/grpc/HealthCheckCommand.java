package io.tandem.common.grpc;

import io.grpc.ManagedChannel;
import io.tandem.common.security.AccessRule;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TlsFlags;
import io.tandem.common.security.TransportSecurity;
import io.tandem.protocol.link.HostPort;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tandem health HOST:PORT}: exit 0 only when SERVING. It lives here, not in the command
 * line, so that every service jar carries it: a container's health check runs it from the
 * service's own jar ({@code java -cp service.jar io.tandem.common.grpc.HealthCheckCommand HOST:PORT},
 * with the service's own {@code --tls-*} files: health is open to any identity the authority vouches for).
 */
@Command(name = "health", mixinStandardHelpOptions = true,
    description = "Print the grpc.health.v1 status of a service; exit 0 only when SERVING.")
public final class HealthCheckCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "HOST:PORT", converter = HostPortConverter.class)
  HostPort address;

  @Option(names = "--service", defaultValue = "", description = "Service name to check (default: the whole server).")
  String service;

  @Option(names = "--timeout-ms", defaultValue = "2000", description = "Deadline of the check (default ${DEFAULT-VALUE}).")
  long timeoutMs;

  @Mixin
  TlsFlags tls;

  public static void main(String[] args) {
    System.exit(new CommandLine(new HealthCheckCommand()).execute(args));
  }

  @Override
  public Integer call() {
    TransportSecurity security = tls.forCommand(AccessRule.OPERATOR);
    // Health is anyone's to read and says nothing secret: the authority's word is enough here.
    ManagedChannel channel = Channels.open(address, ServerIdentity.anyFromTheAuthority(), security);
    try {
      HealthProbe.Result result = HealthProbe.check(channel, service, Duration.ofMillis(timeoutMs));
      System.out.println(address + " " + result.describe());
      return result.serving() ? 0 : 1;
    } finally {
      Channels.close(channel, Duration.ofSeconds(1));
      security.close();
    }
  }
}
