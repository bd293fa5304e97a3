package io.tandem.cli.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.tandem.cli.pair.EventSources.Source;
import io.tandem.common.events.EventsServiceImpl;
import io.tandem.common.events.RecentEvents;
import io.tandem.common.security.ServerIdentity;
import io.tandem.events.v1.ServiceEvent;
import io.tandem.protocol.link.HostPort;
import io.tandem.protocol.log.LogEvent;
import io.tandem.protocol.time.ManualClock;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Following one service's events: each once, none dropped, across a restart of the service. */
class EventWatchTest {
  private final List<ServiceEvent> received = new CopyOnWriteArrayList<>();
  private Server server;
  private RecentEvents events;
  private final ManualClock clock = new ManualClock(Instant.ofEpochMilli(1_000_000));

  /** A service on {@code port} (0: any) whose events start again from position 1, as after a restart. */
  private int serve(int port) throws IOException {
    events = new RecentEvents("stat-server", List.of("test."), clock);
    server = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
        .addService(new EventsServiceImpl(events)).build().start();
    return server.getPort();
  }

  private void write(long atMs) {
    clock.advance(Duration.ofMillis(atMs - clock.millis())); // back, too: a stamp taken before the one before it
    events.written("test.logger", LogEvent.HEALTH_CHANGED, List.of("status", "SERVING"));
  }

  @AfterEach
  void stop() {
    if (server != null) {
      events.endWatches();
      server.shutdownNow();
    }
  }

  private EventWatch watch(int port) {
    ConsoleCommand command = CommandLine.populateCommand(new ConsoleCommand(), "--insecure");
    return new EventWatch(new Source("StatServer_A", HostPort.parse("localhost:" + port), ServerIdentity.of("StatServer_A")),
        command.tls, 0, (source, event) -> received.add(event));
  }

  @Test
  void anEventStampedBeforeTheOneBeforeItIsStillDelivered() throws IOException {
    int port = serve(0);
    try (EventWatch watch = watch(port)) {
      watch.ensureRunning();
      write(5_000_000);
      write(4_999_990); // stamped before it took its place
      await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 2);
      assertThat(received).extracting(ServiceEvent::getPosition).containsExactly(1L, 2L);
    }
  }

  @Test
  void aServiceThatRestartedIsFollowedOnWithoutRepeatingWhatCameBefore() throws IOException {
    int port = serve(0);
    try (EventWatch watch = watch(port)) {
      watch.ensureRunning();
      write(5_000_000);
      write(5_000_001);
      await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 2);
      stop();
      await().atMost(Duration.ofSeconds(30)).until(() -> !watch.problem().isEmpty());

      serve(port);
      write(5_000_001); // the new process's first event, in the same millisecond as the old one's last
      write(5_000_500);
      watch.ensureRunning();
      await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 4);
      assertThat(received).extracting(ServiceEvent::getAtMs, ServiceEvent::getPosition).containsExactly(
          org.assertj.core.groups.Tuple.tuple(5_000_000L, 1L), org.assertj.core.groups.Tuple.tuple(5_000_001L, 2L),
          org.assertj.core.groups.Tuple.tuple(5_000_001L, 1L), org.assertj.core.groups.Tuple.tuple(5_000_500L, 2L));
      assertThat(watch.problem()).isEmpty();
    }
  }
}
