package io.tandem.common.bootstrap;

/**
 * Where a service's gRPC handlers run. A service whose handlers never block (they hand work to
 * their own threads or answer from memory) runs them on the transport's event loop and saves a
 * thread hop per call; one whose handlers may block (disk writes) keeps gRPC's pooled executor.
 */
public enum HandlerThreading {
  /** gRPC's default: each call on a pooled thread. Handlers may block. */
  POOLED,
  /** On the Netty event loop ({@code directExecutor}). Handlers must never block. */
  EVENT_LOOP
}
