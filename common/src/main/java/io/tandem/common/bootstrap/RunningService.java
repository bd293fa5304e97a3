package io.tandem.common.bootstrap;

import com.google.inject.Injector;
import io.tandem.common.security.TransportSecurity;

/** A started service: its port, its objects, and a way to stop it. */
public final class RunningService implements AutoCloseable {
  private final Injector injector;
  private final Lifecycle lifecycle;
  private final GrpcServer server;
  private final TransportSecurity security;

  RunningService(Injector injector, Lifecycle lifecycle, GrpcServer server, TransportSecurity security) {
    this.injector = injector;
    this.lifecycle = lifecycle;
    this.server = server;
    this.security = security;
  }

  /** The port the gRPC server listens on. */
  public int port() {
    return server.port();
  }

  /** One of the service's objects (for tests and in-process benchmarks). */
  public <T> T get(Class<T> type) {
    return injector.getInstance(type);
  }

  /** Blocks until the gRPC server has terminated (after {@link #close()}). */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /** Stops the service gracefully; idempotent. */
  @Override
  public void close() {
    lifecycle.stop();
    security.close();
  }
}
