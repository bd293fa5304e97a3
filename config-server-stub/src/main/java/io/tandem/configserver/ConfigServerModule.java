package io.tandem.configserver;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.Multibinder;
import io.grpc.ServerServiceDefinition;
import io.tandem.common.bootstrap.ManagedService;
import io.tandem.common.bootstrap.ServingWhenStarted;
import io.tandem.config.v1.ConfigServiceGrpc;

/** Wiring of the Configuration Server. */
public final class ConfigServerModule extends AbstractModule {
  @Override
  protected void configure() {
    Multibinder.newSetBinder(binder(), ServerServiceDefinition.class).addBinding()
        .toInstance(new ConfigServiceGrpc.ConfigServiceImplBase() {}.bindService());
    bind(ServingWhenStarted.class);
    Multibinder.newSetBinder(binder(), ManagedService.class).addBinding().to(ServingWhenStarted.class);
  }
}
