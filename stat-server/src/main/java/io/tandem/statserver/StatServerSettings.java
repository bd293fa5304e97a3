package io.tandem.statserver;

import io.tandem.common.grpc.HostPort;

/**
 * The Stat Server's bootstrap flags; everything else comes from its Application object.
 *
 * @param application its Application object's name
 * @param port its client port
 * @param configServer the Config Server
 * @param management the Management Layer
 */
public record StatServerSettings(String application, int port, HostPort configServer, HostPort management) {}
