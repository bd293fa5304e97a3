package io.tandem.common.bootstrap;

/**
 * A part of a service with a start and a stop, run by the {@link Lifecycle} in binding order
 * (and stopped in reverse).
 */
public interface ManagedService {
  /** Starts; returns once the part works (or has started working in the background). */
  void start() throws Exception;

  /** Stops and releases resources. Called once, also when a later part failed to start. */
  void stop() throws Exception;

  /** For log lines. */
  default String name() {
    return getClass().getSimpleName();
  }
}
