package io.tandem.management;

import io.tandem.common.grpc.HostPort;

/**
 * The Management Layer's bootstrap flags; everything else comes from its Application object.
 *
 * @param configServer where the Config Server listens
 * @param application name of this Management Layer's own Application object
 */
public record ManagementSettings(HostPort configServer, String application) {}
