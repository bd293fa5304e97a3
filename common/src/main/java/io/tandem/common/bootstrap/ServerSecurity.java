package io.tandem.common.bootstrap;

import io.tandem.common.security.ConnectionLimits;
import io.tandem.common.security.TransportSecurity;

/**
 * How a service's port is guarded: its TLS (or explicit plaintext) and per-connection limits.
 * The same {@link TransportSecurity} secures the channels the service opens itself.
 */
public record ServerSecurity(TransportSecurity transport, ConnectionLimits limits) {}
