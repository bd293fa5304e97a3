package io.tandem.configserver;

import static io.tandem.configserver.Objects.agent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.CreateObjectRequest;
import io.tandem.config.v1.WatchRequest;
import io.tandem.config.v1.WatchResponse;
import io.tandem.configserver.watch.WatchHub;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stopping Config Server ends its sessions; clients reconnect at once, as Stat Servers do. The
 * reconnections must be refused, not restored against a server on its way out, and the stop must
 * not wait for their streams.
 */
class StopWhileReconnectingTest {
  /** {@code GrpcServer}'s grace for calls in flight: a stop that waits it out is what must not happen. */
  private static final Duration GRACE = Duration.ofSeconds(3);
  private static final int WATCHERS = 8;
  private static final int MAX_ATTEMPTS = 5;

  @TempDir
  Path dataDir;

  /** One Watch call: what it received and how it ended. */
  private record Attempt(int number, List<WatchResponse> received, AtomicReference<Status> ended) {}

  /** A watcher that opens its session again as soon as it ends, as a Stat Server's session does. */
  private static final class ReconnectingWatcher {
    private final ConfigServiceGrpc.ConfigServiceStub stub;
    private final String name;
    final List<Attempt> attempts = new CopyOnWriteArrayList<>();
    private final AtomicInteger opened = new AtomicInteger();

    ReconnectingWatcher(ConfigServiceGrpc.ConfigServiceStub stub, String name) {
      this.stub = stub;
      this.name = name;
    }

    void open() {
      Attempt attempt = new Attempt(opened.incrementAndGet(), new CopyOnWriteArrayList<>(), new AtomicReference<>());
      attempts.add(attempt);
      stub.watch(WatchRequest.newBuilder().setAfterEventId(1).setClientName(name).build(), new StreamObserver<>() {
        @Override
        public void onNext(WatchResponse response) {
          attempt.received().add(response);
        }

        @Override
        public void onError(Throwable t) {
          attempt.ended().set(Status.fromThrowable(t));
          if (opened.get() < MAX_ATTEMPTS) {
            open();
          }
        }

        @Override
        public void onCompleted() {
          attempt.ended().set(Status.OK);
        }
      });
    }

    boolean restored() {
      return !attempts.isEmpty() && attempts.get(0).received().stream().anyMatch(WatchResponse::hasProgress);
    }
  }

  @Test
  void clientsReconnectingWhileTheServerStopsAreRefusedAndTheStopDoesNotWaitForThem() throws Exception {
    try (ConfigServerFixture server = ConfigServerFixture.start(dataDir)) {
      server.blocking.createObject(CreateObjectRequest.newBuilder().setObject(agent("a1")).build());
      server.blocking.createObject(CreateObjectRequest.newBuilder().setObject(agent("a2")).build());
      List<ReconnectingWatcher> watchers = new ArrayList<>();
      for (int i = 0; i < WATCHERS; i++) {
        ReconnectingWatcher watcher = new ReconnectingWatcher(server.async, "stat-" + i);
        watcher.open();
        watchers.add(watcher);
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> watchers.stream().allMatch(ReconnectingWatcher::restored));

      // A stop ends the sessions while the port still takes calls on open connections (until their
      // GOAWAY): the watchers reconnect in that window, which this step holds open.
      server.service.get(WatchHub.class).endStreams();
      await().atMost(Duration.ofSeconds(30)).until(() -> watchers.stream().allMatch(w -> w.attempts.size() > 1
          && (w.attempts.get(1).ended().get() != null || !w.attempts.get(1).received().isEmpty())));
      List<Attempt> reconnections = watchers.stream().flatMap(w -> w.attempts.stream().skip(1)).toList();
      assertThat(reconnections).allSatisfy(attempt -> {
        assertThat(attempt.received()).as("what a session opened while the server stopped received").isEmpty();
        assertThat(attempt.ended().get()).as("how it ended").isNotNull()
            .satisfies(status -> assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE))
            .satisfies(status -> assertThat(status.getDescription()).contains("shutting down"));
      });

      long begin = System.nanoTime();
      server.service.close();
      assertThat(Duration.ofNanos(System.nanoTime() - begin)).as("the stop waited for streams opened while it ran")
          .isLessThan(GRACE);
    }
  }
}
