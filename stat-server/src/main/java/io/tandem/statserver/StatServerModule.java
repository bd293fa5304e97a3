package io.tandem.statserver;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.Multibinder;
import io.grpc.ServerServiceDefinition;
import io.tandem.common.bootstrap.ManagedService;
import io.tandem.common.bootstrap.ServingWhenStarted;
import io.tandem.stat.v1.StatServiceGrpc;

/** Wiring of the Stat Server. */
public final class StatServerModule extends AbstractModule {
  @Override
  protected void configure() {
    Multibinder.newSetBinder(binder(), ServerServiceDefinition.class).addBinding()
        .toInstance(new StatServiceGrpc.StatServiceImplBase() {}.bindService());
    bind(ServingWhenStarted.class);
    Multibinder.newSetBinder(binder(), ManagedService.class).addBinding().to(ServingWhenStarted.class);
  }
}
