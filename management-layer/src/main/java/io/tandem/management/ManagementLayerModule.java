package io.tandem.management;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.Multibinder;
import io.grpc.ServerServiceDefinition;
import io.tandem.common.bootstrap.ManagedService;
import io.tandem.common.bootstrap.ServingWhenStarted;
import io.tandem.management.v1.ManagementServiceGrpc;

/** Wiring of the Management Layer. */
public final class ManagementLayerModule extends AbstractModule {
  @Override
  protected void configure() {
    Multibinder.newSetBinder(binder(), ServerServiceDefinition.class).addBinding()
        .toInstance(new ManagementServiceGrpc.ManagementServiceImplBase() {}.bindService());
    bind(ServingWhenStarted.class);
    Multibinder.newSetBinder(binder(), ManagedService.class).addBinding().to(ServingWhenStarted.class);
  }
}
