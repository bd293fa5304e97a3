package io.tandem.cli.config;

import io.tandem.cli.link.Endpoint;
import io.tandem.cli.link.FirstToAnswer;
import io.tandem.common.config.ConfigSession;
import io.tandem.common.grpc.HostPortConverter;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TlsFlags;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Option;

/** {@code --config-server HOST:PORT[,HOST:PORT...]}, shared by the commands that talk to the Config Server. */
public final class ConfigServerOption {
  @Option(names = "--config-server", defaultValue = "localhost:2020", converter = HostPortConverter.class, split = ",",
      paramLabel = "HOST:PORT[,HOST:PORT...]",
      description = "Config Server address, or its replicas over one etcd store: all are asked at once, and the first"
          + " to say it serves is used (default ${DEFAULT-VALUE}).")
  List<HostPort> addresses;

  @Option(names = "--config-server-identity", paramLabel = "NAME", defaultValue = ServerIdentity.CONFIG_SERVER,
      description = "The application whose certificate the Config Server must present (default ${DEFAULT-VALUE}).")
  String identity;

  /**
   * The channel to the first replica to say it serves (the first of the list when none does
   * within the command's deadline: the command then fails naming it), secured by the command's
   * {@code --tls-*} flags. Every replica is asked at once: one that is down refuses at once, one
   * that is frozen never answers, and neither keeps a slow one that serves from being used.
   */
  public Endpoint open(TlsFlags tls) {
    ServerIdentity server = ServerIdentity.of(identity);
    List<Endpoint> replicas = addresses.stream().map(address -> new Endpoint(address, server, tls)).toList();
    return FirstToAnswer.<HealthCheckResponse>among(replicas, replicas.get(0), (replica, answer) ->
        HealthGrpc.newStub(replica.channel()).withDeadlineAfter(Endpoint.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
            .check(HealthCheckRequest.getDefaultInstance(), answer),
        health -> health.getStatus() == HealthCheckResponse.ServingStatus.SERVING, failure -> false);
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
