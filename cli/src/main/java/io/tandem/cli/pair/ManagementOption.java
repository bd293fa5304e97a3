package io.tandem.cli.pair;

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
  @Option(names = "--management", defaultValue = "localhost:2030", converter = HostPortConverter.class,
      description = "Management Layer address (default ${DEFAULT-VALUE}).")
  HostPort address;

  @Option(names = "--management-identity", paramLabel = "NAME", defaultValue = ServerIdentity.MANAGEMENT_LAYER,
      description = "The application whose certificate the Management Layer must present (default ${DEFAULT-VALUE}).")
  String identity;

  /** The channel, secured by the command's {@code --tls-*} flags. */
  public Endpoint open(TlsFlags tls) {
    return new Endpoint(address, ServerIdentity.of(identity), tls);
  }

  public static ManagementServiceGrpc.ManagementServiceBlockingStub stub(Endpoint endpoint) {
    return ManagementServiceGrpc.newBlockingStub(endpoint.channel())
        .withDeadlineAfter(Endpoint.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }
}
