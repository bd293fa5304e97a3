package io.tandem.cli.pair;

import io.tandem.cli.home.StackAddresses;
import io.tandem.cli.link.Endpoint;
import io.tandem.common.grpc.HostPortConverter;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TlsFlags;
import io.tandem.management.v1.ManagementServiceGrpc;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Option;

/** {@code --management HOST:PORT}, shared by the commands that talk to the Management Layer. */
public final class ManagementOption {
  private static final HostPort DEFAULT = HostPort.parse("localhost:2030");

  @Option(names = "--management", converter = HostPortConverter.class, paramLabel = "HOST:PORT",
      description = "Management Layer address (default: the one bin/tandem up started here, else localhost:2030).")
  HostPort address;

  @Option(names = "--management-identity", paramLabel = "NAME", defaultValue = ServerIdentity.MANAGEMENT_LAYER,
      description = "The application whose certificate the Management Layer must present (default ${DEFAULT-VALUE}).")
  String identity;

  /** {@code --management}, or where {@code tandem up} started the Management Layer in this directory. */
  public HostPort address() {
    if (address != null) {
      return address;
    }
    return StackAddresses.here().named("management-layer").stream().findFirst().orElse(DEFAULT);
  }

  /** The channel, secured by the command's {@code --tls-*} flags. */
  public Endpoint open(TlsFlags tls) {
    return new Endpoint(address(), ServerIdentity.of(identity), tls);
  }

  public static ManagementServiceGrpc.ManagementServiceBlockingStub stub(Endpoint endpoint) {
    return ManagementServiceGrpc.newBlockingStub(endpoint.channel())
        .withDeadlineAfter(Endpoint.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }
}
