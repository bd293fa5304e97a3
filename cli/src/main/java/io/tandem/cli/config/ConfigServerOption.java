package io.tandem.cli.config;

import io.tandem.cli.link.Endpoint;
import io.tandem.common.config.ConfigSession;
import io.tandem.common.grpc.HostPortConverter;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TlsFlags;
import io.tandem.config.v1.ConfigServiceGrpc;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Option;

/** {@code --config-server HOST:PORT}, shared by the commands that talk to the Config Server. */
public final class ConfigServerOption {
  @Option(names = "--config-server", defaultValue = "localhost:2020", converter = HostPortConverter.class,
      description = "Config Server address (default ${DEFAULT-VALUE}).")
  HostPort address;

  @Option(names = "--config-server-identity", paramLabel = "NAME", defaultValue = ServerIdentity.CONFIG_SERVER,
      description = "The application whose certificate the Config Server must present (default ${DEFAULT-VALUE}).")
  String identity;

  /** The channel, secured by the command's {@code --tls-*} flags. */
  public Endpoint open(TlsFlags tls) {
    return new Endpoint(address, ServerIdentity.of(identity), tls);
  }

  /** Reads of whole listings (snapshots), as the services read them. */
  public static ConfigSession session(Endpoint endpoint) {
    return new ConfigSession(endpoint.channel(), "tandem-cli");
  }

  /** A blocking stub whose calls carry the command deadline. */
  public static ConfigServiceGrpc.ConfigServiceBlockingStub stub(Endpoint endpoint) {
    return ConfigServiceGrpc.newBlockingStub(endpoint.channel())
        .withDeadlineAfter(Endpoint.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }
}
