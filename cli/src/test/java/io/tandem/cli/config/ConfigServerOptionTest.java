package io.tandem.cli.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.tandem.cli.link.Endpoint;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.process.FreePorts;
import io.tandem.common.security.TlsFlags;
import io.tandem.protocol.link.HostPort;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Which of several Config Server replicas a command talks to. */
class ConfigServerOptionTest {
  /** Longer than a replica was once given to say it serves, before the command went on to the next. */
  private static final Duration SLOW = Duration.ofSeconds(3);

  @Command
  static final class Options {
    @Mixin
    ConfigServerOption server;
    @Mixin
    TlsFlags tls;
  }

  private final ScheduledExecutorService answers =
      Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("slow-health"));
  private Server slow;

  @BeforeEach
  void start() throws Exception {
    slow = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).addService(new HealthGrpc.HealthImplBase() {
      @Override
      public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> out) {
        var unused = answers.schedule(() -> {
          out.onNext(HealthCheckResponse.newBuilder().setStatus(HealthCheckResponse.ServingStatus.SERVING).build());
          out.onCompleted();
        }, SLOW.toMillis(), TimeUnit.MILLISECONDS);
      }
    }).build().start();
  }

  @AfterEach
  void stop() throws Exception {
    slow.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    answers.shutdownNow();
  }

  @Test
  void aReplicaSlowToSayItServesIsUsedRatherThanADownOneListedFirst() {
    HostPort down = HostPort.local(FreePorts.next());
    HostPort serving = HostPort.local(slow.getPort());
    Options options = CommandLine.populateCommand(new Options(), "--config-server", down + "," + serving, "--insecure");

    try (Endpoint chosen = options.server.open(options.tls)) {
      assertThat(chosen.address()).isEqualTo(serving);
    }
  }
}
