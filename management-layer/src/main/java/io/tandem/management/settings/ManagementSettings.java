package io.tandem.management.settings;

import io.tandem.protocol.link.HostPort;
import io.tandem.common.security.ServerIdentity;
import io.tandem.etcd.EtcdSettings;
import java.nio.file.Path;
import java.util.List;

/**
 * The Management Layer's bootstrap flags; everything else comes from its Application object.
 *
 * @param configServers the Config Server's replicas, tried in turn (one address for a single Config Server)
 * @param application name of this Management Layer's own Application object
 * @param configServerIdentity whose certificate the Config Server must present
 * @param dataDir where the epoch ledger is kept when it runs alone
 * @param etcd the etcd cluster several Management Layers elect their leader and keep their epochs
 *     in; null when this one runs alone
 * @param advertise the address clients reach this one at, which a standby names as the leader's
 */
public record ManagementSettings(List<HostPort> configServers, String application, ServerIdentity configServerIdentity,
    Path dataDir, EtcdSettings etcd, HostPort advertise) {
  public ManagementSettings {
    configServers = List.copyOf(configServers);
    if (configServers.isEmpty()) {
      throw new IllegalArgumentException("--config-server: give at least one address");
    }
  }
}
