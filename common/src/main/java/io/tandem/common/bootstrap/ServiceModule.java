package io.tandem.common.bootstrap;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.OptionalBinder;
import io.grpc.ServerServiceDefinition;
import io.tandem.common.security.AccessPolicy;
import io.tandem.common.security.TransportSecurity;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What every Tandem service has: a clock, a health state, a way to stop for good, the gRPC server
 * and the lifecycle.
 * A service's own module adds {@link ManagedService}s (started in binding order),
 * {@link ServerServiceDefinition}s with their {@link AccessPolicy}s and {@link LongLivedStreams}
 * to the sets declared here, and may override {@link HandlerThreading} (default {@code POOLED}).
 * The service's {@link TransportSecurity} is bound for the channels it opens.
 */
final class ServiceModule extends AbstractModule {
  private final String serviceName;
  private final int port;
  private final ServerSecurity security;

  ServiceModule(String serviceName, int port, ServerSecurity security) {
    this.serviceName = serviceName;
    this.port = port;
    this.security = security;
  }

  @Override
  protected void configure() {
    binder().requireExplicitBindings();
    binder().requireAtInjectOnConstructors();
    bind(Clock.class).toInstance(Clock.systemUTC());
    bind(ServerSecurity.class).toInstance(security);
    bind(TransportSecurity.class).toInstance(security.transport());
    Multibinder.newSetBinder(binder(), AccessPolicy.class);
    Multibinder.newSetBinder(binder(), ManagedService.class);
    Multibinder.newSetBinder(binder(), ServerServiceDefinition.class);
    Multibinder.newSetBinder(binder(), LongLivedStreams.class);
    OptionalBinder.newOptionalBinder(binder(), HandlerThreading.class).setDefault().toInstance(HandlerThreading.POOLED);
  }

  @Provides
  @Singleton
  HealthState health() {
    return new HealthState();
  }

  @Provides
  @Singleton
  FatalStop fatalStop() {
    return new FatalStop(serviceName);
  }

  @Provides
  @Singleton
  GrpcServer grpcServer(Set<ServerServiceDefinition> services, Set<AccessPolicy> policies,
      Set<LongLivedStreams> streamOwners, HealthState health, HandlerThreading threading) {
    return new GrpcServer(serviceName, port, security, services, policies, streamOwners, health, threading);
  }

  @Provides
  @Singleton
  Lifecycle lifecycle(Set<ManagedService> parts, GrpcServer server) {
    List<ManagedService> ordered = new ArrayList<>(parts);
    ordered.add(server);
    return new Lifecycle(serviceName, ordered);
  }
}
