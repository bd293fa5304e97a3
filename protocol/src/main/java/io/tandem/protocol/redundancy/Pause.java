package io.tandem.protocol.redundancy;

import java.time.Instant;

/**
 * A time this Management Layer's whole process did not run — stopped, in a long garbage
 * collection, starved — as measured apart from its own work: heartbeats sent meanwhile waited in
 * the sockets, so it is nobody's silence.
 */
public record Pause(Instant from, Instant to) {}
