package io.tandem.cli.pair;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tandem.cli.link.Endpoint;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.security.TlsFlags;
import io.tandem.management.v1.GetPairsRequest;
import io.tandem.management.v1.ManagementServiceGrpc;
import io.tandem.management.v1.PairsStatus;
import io.tandem.protocol.link.HostPort;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Which of several Management Layers a command talks to. */
class ManagementOptionTest {
  /** Longer than each Management Layer was once given to answer before the command went on to the next. */
  private static final Duration SLOW = Duration.ofSeconds(4);

  @Command
  static final class Options {
    @Mixin
    ManagementOption management;
    @Mixin
    TlsFlags tls;
  }

  private final ScheduledExecutorService answers =
      Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("slow-leader"));
  private Server leader;
  private Server standby;

  @AfterEach
  void stop() throws Exception {
    for (Server server : new Server[] {leader, standby}) {
      if (server != null) {
        server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    }
    answers.shutdownNow();
  }

  /** A Management Layer that answers GetPairs after {@code delay}, or refuses it as a standby does. */
  private Server managementLayer(Duration delay, boolean leads) throws Exception {
    return Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
        .addService(new ManagementServiceGrpc.ManagementServiceImplBase() {
          @Override
          public void getPairs(GetPairsRequest request, StreamObserver<PairsStatus> out) {
            var unused = answers.schedule(() -> {
              if (leads) {
                out.onNext(PairsStatus.getDefaultInstance());
                out.onCompleted();
              } else {
                out.onError(Status.UNAVAILABLE.withDescription("this Management Layer stands by").asRuntimeException());
              }
            }, delay.toMillis(), TimeUnit.MILLISECONDS);
          }
        }).build().start();
  }

  @Test
  void aLeaderSlowToAnswerIsUsedRatherThanTheStandbyListedAfterIt() throws Exception {
    leader = managementLayer(SLOW, true);
    standby = managementLayer(Duration.ZERO, false);
    HostPort leading = HostPort.local(leader.getPort());
    Options options = CommandLine.populateCommand(new Options(), "--management",
        leading + "," + HostPort.local(standby.getPort()), "--insecure");

    try (Endpoint chosen = options.management.open(options.tls)) {
      assertThat(chosen.address()).isEqualTo(leading);
    }
  }
}
