package io.tandem.common.testing;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC server and a channel to it in this JVM (grpc-inprocess), both on direct executors: a
 * call runs its handler on the caller's thread, as the Stat Server's handlers run on the
 * transport's event loop. grpc-testing's {@code GrpcCleanupRule} is JUnit 4 only; close this in
 * {@code @AfterEach} instead.
 */
public final class InProcessGrpc implements AutoCloseable {
  private final Server server;
  private final ManagedChannel channel;

  private InProcessGrpc(Server server, ManagedChannel channel) {
    this.server = server;
    this.channel = channel;
  }

  public static InProcessGrpc serve(BindableService... services) throws IOException {
    return serve(List.of(services).stream().map(BindableService::bindService).toArray(ServerServiceDefinition[]::new));
  }

  public static InProcessGrpc serve(ServerServiceDefinition... services) throws IOException {
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder builder = InProcessServerBuilder.forName(name).directExecutor();
    for (ServerServiceDefinition service : services) {
      builder.addService(service);
    }
    Server server = builder.build().start();
    return new InProcessGrpc(server, InProcessChannelBuilder.forName(name).directExecutor().build());
  }

  public ManagedChannel channel() {
    return channel;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    server.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
