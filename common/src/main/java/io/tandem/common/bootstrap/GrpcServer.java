package io.tandem.common.bootstrap;

import io.grpc.Grpc;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.tandem.common.grpc.GrpcKeepalive;
import io.tandem.protocol.log.EventLog;
import io.tandem.common.events.EventsServiceImpl;
import io.tandem.common.events.RecentEvents;
import io.tandem.common.metrics.GrpcServerMetrics;
import io.tandem.protocol.log.LogEvent;
import io.tandem.common.security.AccessControl;
import io.tandem.common.security.AccessPolicy;
import io.tandem.common.security.AccessRule;
import io.tandem.common.security.ConnectionQuota;
import io.tandem.common.security.TransportSecurity;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's gRPC server: its own services plus {@code grpc.health.v1} and server reflection,
 * behind {@link AccessControl} with each service's {@link AccessPolicy}. Always the last part
 * the {@link Lifecycle} starts and the first it stops.
 */
public final class GrpcServer implements ManagedService {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcServer.class);
  /** In-flight calls get this long to finish on shutdown before they are cancelled. */
  private static final Duration GRACE = Duration.ofSeconds(3);
  /**
   * A connection lives at most this long (gRPC adds up to 10% jitter): certificates replaced or
   * identities removed since its handshake stop counting within it.
   */
  public static final Duration MAX_CONNECTION_AGE = Duration.ofHours(6);
  /** Calls still running on an aged connection get this long to end before it closes; clients reopen streams. */
  public static final Duration MAX_CONNECTION_AGE_GRACE = Duration.ofMinutes(10);
  /** A TLS handshake (or a plaintext preface) must be done within this. */
  public static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  private final String serviceName;
  private final int requestedPort;
  private final Set<ServerServiceDefinition> services;
  private final Set<LongLivedStreams> streamOwners;
  private final HealthState health;
  private final HandlerThreading threading;
  private final InboundMessageLimit inboundLimit;
  private final ServerSecurity security;
  private final Set<AccessPolicy> policies;
  private final GrpcServerMetrics metrics;
  private final RecentEvents events;
  private Server server;

  public GrpcServer(String serviceName, int port, ServerSecurity security, Set<ServerServiceDefinition> services,
      Set<AccessPolicy> policies, Set<LongLivedStreams> streamOwners, HealthState health, HandlerThreading threading,
      InboundMessageLimit inboundLimit, GrpcServerMetrics metrics, RecentEvents events) {
    this.events = events;
    this.threading = threading;
    this.inboundLimit = inboundLimit;
    this.metrics = metrics;
    this.security = security;
    this.policies = policies;
    this.serviceName = serviceName;
    this.requestedPort = port;
    this.services = services;
    this.streamOwners = streamOwners;
    this.health = health;
  }

  @Override
  public void start() throws IOException {
    TransportSecurity transport = security.transport();
    var builder = GrpcKeepalive.onServer(Grpc.newServerBuilderForPort(requestedPort, transport.serverCredentials()))
        .maxInboundMessageSize(inboundLimit.bytes())
        .maxConnectionAge(MAX_CONNECTION_AGE.toMillis(), TimeUnit.MILLISECONDS)
        .maxConnectionAgeGrace(MAX_CONNECTION_AGE_GRACE.toMillis(), TimeUnit.MILLISECONDS)
        .handshakeTimeout(HANDSHAKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    if (threading == HandlerThreading.EVENT_LOOP) {
      builder.directExecutor();
    }
    Map<String, AccessPolicy> byService = policies.stream()
        .collect(Collectors.toMap(AccessPolicy::service, Function.identity()));
    List<AccessPolicy> applied = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (ServerServiceDefinition service : services) {
      String name = service.getServiceDescriptor().getName();
      AccessPolicy policy = byService.get(name);
      if (policy == null) {
        throw new IllegalStateException(name + " has no access policy: every service says who may call it");
      }
      applied.add(policy);
      builder.addService(service);
      metrics.initialize(service);
      names.add(name);
      health.register(name);
    }
    ServerServiceDefinition healthService = health.service().bindService();
    ServerServiceDefinition reflection = ProtoReflectionServiceV1.newInstance().bindService();
    ServerServiceDefinition recentEvents = new EventsServiceImpl(events).bindService();
    // Health is for any caller the authority vouches for (orchestrators, probes, peers);
    // the service catalogue only for the operator.
    applied.add(AccessPolicy.forService(healthService.getServiceDescriptor())
        .allow("Check", AccessRule.anyAuthenticated())
        .allow("Watch", AccessRule.anyAuthenticated(), ConnectionQuota.WATCHES)
        .build());
    applied.add(AccessPolicy.forService(reflection.getServiceDescriptor()).allowAll(AccessRule.only(AccessRule.OPERATOR))
        .build());
    // Events name applications, addresses and causes: for those who operate and watch the installation.
    applied.add(AccessPolicy.forService(recentEvents.getServiceDescriptor())
        .allow("ListEvents", AccessRule.only(AccessRule.OPERATOR, AccessRule.MONITOR))
        .allow("WatchEvents", AccessRule.only(AccessRule.OPERATOR, AccessRule.MONITOR), ConnectionQuota.WATCHES)
        .build());
    builder.addService(healthService);
    builder.addService(reflection);
    builder.addService(recentEvents);
    metrics.initialize(healthService);
    metrics.initialize(reflection);
    metrics.initialize(recentEvents);
    AccessControl accessControl = new AccessControl(transport, security.limits(), applied);
    builder.intercept(accessControl);
    // Added last, so it runs first: refused calls are counted too.
    builder.intercept(metrics);
    builder.addTransportFilter(accessControl.transportFilter());
    server = builder.build().start();
    EventLog.emit(LOG, LogEvent.SERVICE_LISTENING, "service", serviceName, "port", server.getPort(),
        "services", String.join(" ", names), "transport", transport.mode(), "identity", transport.identity());
    if (transport.isPlaintext()) {
      EventLog.emit(LOG, LogEvent.PLAINTEXT, "service", serviceName, "port", server.getPort());
    }
  }

  /** The port listened on (the real one when 0 was asked for). */
  public int port() {
    if (server == null) {
      throw new IllegalStateException("server not started");
    }
    return server.getPort();
  }

  /** Blocks until the server has terminated. */
  public void awaitTermination() throws InterruptedException {
    if (server != null) {
      server.awaitTermination();
    }
  }

  @Override
  public void stop() throws InterruptedException {
    if (server == null) {
      return;
    }
    health.terminate();
    server.shutdown();
    for (LongLivedStreams owner : streamOwners) {
      owner.endStreams();
    }
    if (!server.awaitTermination(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
      server.shutdownNow();
      server.awaitTermination(GRACE.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public String name() {
    return "gRPC server";
  }
}
