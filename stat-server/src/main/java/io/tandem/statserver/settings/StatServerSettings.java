package io.tandem.statserver.settings;

import io.tandem.protocol.link.HostPort;
import io.tandem.common.security.ServerIdentity;
import java.util.List;

/**
 * The Stat Server's bootstrap flags; everything else comes from its Application object.
 *
 * @param application its Application object's name
 * @param port its client port
 * @param configServers the Config Server's replicas, tried in turn (one address for a single Config Server)
 * @param management the Management Layers, of which one leads (one address for a single one)
 * @param configServerIdentity whose certificate the Config Server must present
 * @param managementIdentity whose certificate the Management Layer must present
 */
public record StatServerSettings(String application, int port, List<HostPort> configServers, List<HostPort> management,
    ServerIdentity configServerIdentity, ServerIdentity managementIdentity) {
  public StatServerSettings {
    configServers = List.copyOf(configServers);
    if (configServers.isEmpty()) {
      throw new IllegalArgumentException("--config-server: give at least one address");
    }
    management = List.copyOf(management);
    if (management.isEmpty()) {
      throw new IllegalArgumentException("--management: give at least one address");
    }
  }

  /** With the Config Server and the Management Layer under their default names. */
  public StatServerSettings(String application, int port, HostPort configServer, HostPort management) {
    this(application, port, List.of(configServer), List.of(management), ServerIdentity.of(ServerIdentity.CONFIG_SERVER),
        ServerIdentity.of(ServerIdentity.MANAGEMENT_LAYER));
  }
}
