package io.tandem.management.settings;

import io.tandem.protocol.link.HostPort;
import io.tandem.common.security.ServerIdentity;

/**
 * The Management Layer's bootstrap flags; everything else comes from its Application object.
 *
 * @param configServer where the Config Server listens
 * @param application name of this Management Layer's own Application object
 * @param configServerIdentity whose certificate the Config Server must present
 */
public record ManagementSettings(HostPort configServer, String application, ServerIdentity configServerIdentity) {

  /** With the Config Server under its default name. */
  public ManagementSettings(HostPort configServer, String application) {
    this(configServer, application, ServerIdentity.of(ServerIdentity.CONFIG_SERVER));
  }
}
