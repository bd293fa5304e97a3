package io.tandem.bench;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.supervision.SupervisionClient;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.ModeCommand;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** A supervised application for the switchover benchmark: obeys every mode command at once, heartbeats as asked. */
final class SupervisedMember implements AutoCloseable {
  final String name;
  private final ScheduledExecutorService executor;
  private final SupervisionClient client;
  private final ConcurrentHashMap<Long, CompletableFuture<Void>> delivered = new ConcurrentHashMap<>();
  private volatile Mode mode = Mode.MODE_UNSPECIFIED;
  private volatile long epoch;
  private ScheduledFuture<?> heartbeats;
  private volatile CompletableFuture<Long> nextCommand = new CompletableFuture<>();
  private final AtomicLong reportIds = new AtomicLong();

  SupervisedMember(ManagedChannel management, String name) {
    this.name = name;
    this.executor = Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("bench-" + name));
    this.client = new SupervisionClient(management, name, SupervisionClient.newInstanceId(), "",
        new SupervisionClient.Listener() {
      @Override
      public void onConnected() {
      }

      @Override
      public void onDisconnected(Status status) {
      }

      @Override
      public void onModeCommand(ModeCommand command) {
        mode = command.getMode();
        epoch = command.getEpoch();
        client().acknowledge(command);
        nextCommand.complete(System.nanoTime());
      }

      @Override
      public void onStatusDelivered(long reportId) {
        delivered.computeIfAbsent(reportId, id -> new CompletableFuture<>()).complete(null);
      }

      @Override
      public void onHeartbeatInterval(Duration interval) {
        if (heartbeats != null) {
          heartbeats.cancel(false);
        }
        heartbeats = executor.scheduleAtFixedRate(() -> client().heartbeat(epoch), 0, interval.toMillis(),
            TimeUnit.MILLISECONDS);
      }

      @Override
      public void onRefused(Status status) {
        throw new IllegalStateException(name + " refused: " + status);
      }
    }, () -> new SupervisionClient.Standing(mode, epoch), executor);
  }

  private SupervisionClient client() {
    return client;
  }

  void start() {
    client.start();
  }

  Mode mode() {
    return mode;
  }

  /** Expect a mode command: the returned future completes with the nanoTime it was acknowledged at. */
  CompletableFuture<Long> expectCommand() {
    nextCommand = new CompletableFuture<>();
    return nextCommand;
  }

  /** Reports {@code status} and waits until the Management Layer has acted on it. */
  void reportAndWait(AppStatus status) throws Exception {
    long id = reportIds.incrementAndGet();
    // Not connected yet: the stream opens in the background.
    Conditions.await(name + " connected", Duration.ofSeconds(10), Duration.ofMillis(20),
        () -> client.report(id, status, "benchmark"));
    delivered.computeIfAbsent(id, i -> new CompletableFuture<>()).get(10, TimeUnit.SECONDS);
  }

  /** Reports without waiting. */
  void report(AppStatus status) {
    client.report(reportIds.incrementAndGet(), status, "benchmark");
  }

  @Override
  public void close() {
    client.close();
    executor.shutdownNow();
  }
}
