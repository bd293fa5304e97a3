package io.tandem.common.bootstrap;

import jakarta.inject.Inject;

/**
 * For services that are ready as soon as their parts run: turns health {@code SERVING} at the
 * end of start-up. Bind it after the service's other parts.
 */
public final class ServingWhenStarted implements ManagedService {
  private final HealthState health;

  @Inject
  public ServingWhenStarted(HealthState health) {
    this.health = health;
  }

  @Override
  public void start() {
    health.set(true, "started");
  }

  @Override
  public void stop() {
    health.terminate();
  }
}
