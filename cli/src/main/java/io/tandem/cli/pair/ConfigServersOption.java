package io.tandem.cli.pair;

import io.tandem.common.grpc.HostPortConverter;
import io.tandem.common.security.ServerIdentity;
import io.tandem.protocol.link.HostPort;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --config-server HOST:PORT[,...]} for the commands that show or follow every Config Server
 * ({@code status}, {@code events}, {@code console}), where {@code config}'s commands use the first
 * that serves.
 */
public final class ConfigServersOption {
  @Option(names = "--config-server", converter = HostPortConverter.class, split = ",", paramLabel = "HOST:PORT[,...]",
      description = "The Config Servers (default: those bin/tandem up started here, else localhost:2020).")
  List<HostPort> addresses;

  @Option(names = "--config-server-identity", paramLabel = "NAME", defaultValue = ServerIdentity.CONFIG_SERVER,
      description = "The application whose certificate the Config Servers must present (default ${DEFAULT-VALUE}).")
  String identity;

  /** {@code --config-server}, or those {@code tandem up} started here. */
  public List<HostPort> addresses() {
    return addresses != null ? addresses : StoreStatus.localConfigServers();
  }

  public String identity() {
    return identity;
  }
}
