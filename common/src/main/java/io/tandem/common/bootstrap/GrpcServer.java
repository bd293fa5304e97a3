package io.tandem.common.bootstrap;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.tandem.common.grpc.Keepalive;
import io.tandem.common.grpc.MessageLimits;
import io.tandem.common.grpc.PeerInterceptor;
import io.tandem.common.logging.EventLog;
import io.tandem.common.logging.LogEvent;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's gRPC server: its own services plus {@code grpc.health.v1} and server reflection.
 * Always the last part the {@link Lifecycle} starts and the first it stops.
 */
public final class GrpcServer implements ManagedService {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcServer.class);
  /** In-flight calls get this long to finish on shutdown before they are cancelled. */
  private static final Duration GRACE = Duration.ofSeconds(3);

  private final String serviceName;
  private final int requestedPort;
  private final Set<ServerServiceDefinition> services;
  private final Set<LongLivedStreams> streamOwners;
  private final HealthState health;
  private final HandlerThreading threading;
  private Server server;

  public GrpcServer(String serviceName, int port, Set<ServerServiceDefinition> services,
      Set<LongLivedStreams> streamOwners, HealthState health, HandlerThreading threading) {
    this.threading = threading;
    this.serviceName = serviceName;
    this.requestedPort = port;
    this.services = services;
    this.streamOwners = streamOwners;
    this.health = health;
  }

  @Override
  public void start() throws IOException {
    var builder = Keepalive.onServer(Grpc.newServerBuilderForPort(requestedPort, InsecureServerCredentials.create()))
        .maxInboundMessageSize(MessageLimits.MAX_MESSAGE_BYTES);
    if (threading == HandlerThreading.EVENT_LOOP) {
      builder.directExecutor();
    }
    List<String> names = new ArrayList<>();
    for (ServerServiceDefinition service : services) {
      builder.addService(service);
      String name = service.getServiceDescriptor().getName();
      names.add(name);
      health.register(name);
    }
    builder.intercept(new PeerInterceptor());
    builder.addService(health.service());
    builder.addService(ProtoReflectionServiceV1.newInstance());
    server = builder.build().start();
    EventLog.emit(LOG, LogEvent.SERVICE_LISTENING, "service", serviceName, "port", server.getPort(),
        "services", String.join(",", names));
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
