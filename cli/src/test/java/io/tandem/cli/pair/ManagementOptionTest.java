package io.tandem.cli.pair;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tandem.cli.link.Endpoint;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.security.TlsFlags;
import io.tandem.management.v1.GetPairsRequest;
import io.tandem.management.v1.ManagementServiceGrpc;
import io.tandem.management.v1.PairsStatus;
import io.tandem.protocol.link.HostPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
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
  private final List<Server> silent = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    silent.forEach(Server::shutdownNow);
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
  void theLeadershipOfSeveralIsAskedOfAllAtOnceSoSilentOnesCostOneWaitNotOneEach() throws Exception {
    AtomicInteger open = new AtomicInteger();
    AtomicInteger mostOpen = new AtomicInteger();
    leader = managementLayer(Duration.ZERO, true);
    standby = managementLayer(Duration.ZERO, false);
    for (int i = 0; i < 2; i++) {
      silent.add(Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
          .addService(new ManagementServiceGrpc.ManagementServiceImplBase() {
            @Override
            public void getPairs(GetPairsRequest request, StreamObserver<PairsStatus> out) {
              // Never answers: the call stays open until the command's deadline cancels it.
              ((ServerCallStreamObserver<PairsStatus>) out).setOnCancelHandler(open::decrementAndGet);
              mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
            }
          }).build().start());
    }
    List<HostPort> addresses = List.of(HostPort.local(silent.get(0).getPort()), HostPort.local(leader.getPort()),
        HostPort.local(silent.get(1).getPort()), HostPort.local(standby.getPort()));
    Options options = CommandLine.populateCommand(new Options(), "--management",
        addresses.stream().map(HostPort::toString).collect(Collectors.joining(",")), "--insecure");

    Map<HostPort, ManagementOption.Role> roles = options.management.leadership(options.tls);
    assertThat(roles.keySet()).containsExactlyElementsOf(addresses);
    assertThat(roles.get(addresses.get(1)).leads()).isPresent();
    assertThat(roles.get(addresses.get(3)).describe()).isEqualTo("stands by");
    assertThat(roles.get(addresses.get(0)).describe()).isEqualTo("not answering (DEADLINE_EXCEEDED)");
    assertThat(roles.get(addresses.get(2)).describe()).isEqualTo("not answering (DEADLINE_EXCEEDED)");
    assertThat(mostOpen).as("silent ones asked while the other was still waiting").hasValue(2);
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
