package io.tandem.cli.config;

import io.tandem.cli.link.Endpoint;
import io.tandem.common.config.ConfigSession;
import io.tandem.common.grpc.HostPortConverter;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TlsFlags;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.common.grpc.HealthProbe;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Option;

/** {@code --config-server HOST:PORT[,HOST:PORT...]}, shared by the commands that talk to the Config Server. */
public final class ConfigServerOption {
  /** How long a replica may take to say it serves before the command tries the next. */
  private static final Duration REPLICA_CHECK = Duration.ofSeconds(2);

  @Option(names = "--config-server", defaultValue = "localhost:2020", converter = HostPortConverter.class, split = ",",
      paramLabel = "HOST:PORT[,HOST:PORT...]",
      description = "Config Server address, or its replicas over one etcd store: the first that serves is used"
          + " (default ${DEFAULT-VALUE}).")
  List<HostPort> addresses;

  @Option(names = "--config-server-identity", paramLabel = "NAME", defaultValue = ServerIdentity.CONFIG_SERVER,
      description = "The application whose certificate the Config Server must present (default ${DEFAULT-VALUE}).")
  String identity;

  /**
   * The channel to the first replica that says it serves (the first of the list when none
   * does: the command then fails naming it), secured by the command's {@code --tls-*} flags.
   */
  public Endpoint open(TlsFlags tls) {
    ServerIdentity server = ServerIdentity.of(identity);
    if (addresses.size() > 1) {
      for (HostPort address : addresses) {
        Endpoint endpoint = new Endpoint(address, server, tls);
        if (HealthProbe.check(endpoint.channel(), "", REPLICA_CHECK).serving()) {
          return endpoint;
        }
        endpoint.close();
      }
    }
    return new Endpoint(addresses.get(0), server, tls);
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
