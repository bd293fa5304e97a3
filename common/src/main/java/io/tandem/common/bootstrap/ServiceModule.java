package io.tandem.common.bootstrap;

import com.google.inject.AbstractModule;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tandem.common.events.RecentEvents;
import io.tandem.common.metrics.GrpcServerMetrics;
import io.tandem.common.metrics.MetricsEndpoint;
import com.google.inject.Inject;
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
 * to the sets declared here, and may override {@link HandlerThreading} (default {@code POOLED})
 * and {@link InboundMessageLimit} (default {@link InboundMessageLimit#DEFAULT}).
 * The service's {@link TransportSecurity} is bound for the channels it opens.
 */
final class ServiceModule extends AbstractModule {
  private final String serviceName;
  private final int port;
  private final Observability observability;
  private final ServerSecurity security;

  private final List<String> eventSources;

  ServiceModule(String serviceName, int port, Observability observability, ServerSecurity security,
      List<String> eventSources) {
    this.serviceName = serviceName;
    this.port = port;
    this.observability = observability;
    this.security = security;
    this.eventSources = List.copyOf(eventSources);
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
    // Event watches end before the server waits for calls to finish, as every long-lived stream does.
    bind(EventWatches.class);
    Multibinder.newSetBinder(binder(), LongLivedStreams.class).addBinding().to(EventWatches.class);
    Multibinder.newSetBinder(binder(), Link.class);
    OptionalBinder.newOptionalBinder(binder(), HandlerThreading.class).setDefault().toInstance(HandlerThreading.POOLED);
    OptionalBinder.newOptionalBinder(binder(), InboundMessageLimit.class).setDefault()
        .toInstance(InboundMessageLimit.DEFAULT);
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

  /**
   * The service's metrics: its own registry, not the process-wide default, since tests and
   * benchmarks run several services in one JVM. Every service has the JVM's figures and
   * {@code tandem_serving}; its own module registers the rest.
   */
  @Provides
  @Singleton
  PrometheusRegistry metrics(HealthState health) {
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry);
    GaugeWithCallback.builder().name("tandem_serving")
        .help("1 while the service's port accepts clients (its grpc.health.v1 status is SERVING), else 0.")
        .callback(gauge -> gauge.call(health.serving() ? 1 : 0)).register(registry);
    return registry;
  }

  /** The service's recent catalogue events, served by every service's port. */
  @Provides
  @Singleton
  RecentEvents recentEvents(Clock clock) {
    return new RecentEvents(serviceName, eventSources, clock);
  }

  @Provides
  @Singleton
  GrpcServer grpcServer(Set<ServerServiceDefinition> services, Set<AccessPolicy> policies,
      Set<LongLivedStreams> streamOwners, HealthState health, HandlerThreading threading,
      InboundMessageLimit inboundLimit, PrometheusRegistry metrics, RecentEvents events) {
    return new GrpcServer(serviceName, port, security, services, policies, streamOwners, health, threading,
        inboundLimit, new GrpcServerMetrics(metrics), events);
  }

  @Provides
  @Singleton
  MetricsEndpoint metricsEndpoint(PrometheusRegistry metrics) {
    return new MetricsEndpoint(serviceName, observability.metricsPort(), security.transport(), metrics);
  }

  @Provides
  @Singleton
  StatusFile statusFile(HealthState health, Set<Link> links, Clock clock) {
    return new StatusFile(observability.statusFile(), health, links, clock);
  }

  /** The service's parts in binding order, then its gRPC port, its metrics port and its status file (stopped in reverse). */
  @Provides
  @Singleton
  Lifecycle lifecycle(Set<ManagedService> parts, GrpcServer server, MetricsEndpoint metrics, StatusFile status,
      RecentEvents events) {
    List<ManagedService> ordered = new ArrayList<>();
    // First, so the ring hears the service's parts start.
    ordered.add(new EventsService(events));
    ordered.addAll(parts);
    ordered.add(server);
    ordered.add(new MetricsService(metrics));
    ordered.add(status);
    return new Lifecycle(serviceName, ordered);
  }

  /** The ring's watches as streams the server ends when it stops. */
  static final class EventWatches implements LongLivedStreams {
    private final RecentEvents events;

    @Inject
    EventWatches(RecentEvents events) {
      this.events = events;
    }

    @Override
    public void endStreams() {
      events.endWatches();
    }
  }

  /** The ring of recent events as a part of the lifecycle (the events package knows nothing of bootstrap). */
  private record EventsService(RecentEvents events) implements ManagedService {
    @Override
    public void start() {
      events.start();
    }

    @Override
    public void stop() {
      events.stop();
    }
  }

  /** The metrics endpoint as a part of the lifecycle (the metrics package knows nothing of bootstrap). */
  private record MetricsService(MetricsEndpoint endpoint) implements ManagedService {
    @Override
    public void start() throws Exception {
      endpoint.start();
    }

    @Override
    public void stop() throws Exception {
      endpoint.stop();
    }

    @Override
    public String name() {
      return endpoint.name();
    }
  }
}
