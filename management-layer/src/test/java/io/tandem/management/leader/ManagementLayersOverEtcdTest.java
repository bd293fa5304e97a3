package io.tandem.management.leader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.ManagedChannel;
import io.tandem.common.grpc.Channels;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TransportSecurity;
import io.tandem.common.supervision.SupervisionClient;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.ModeCommand;
import io.tandem.protocol.link.HostPort;
import io.tandem.protocol.time.MonotonicClock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import io.grpc.StatusRuntimeException;
import io.tandem.common.config.Applications;
import io.tandem.common.process.FreePorts;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ApplyObjectsRequest;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.management.v1.GetPairsRequest;
import io.tandem.management.v1.ManagementServiceGrpc;
import io.tandem.management.v1.PairsStatus;
import io.tandem.management.v1.SwitchoverRequest;
import io.tandem.testing.Launch;
import io.tandem.testing.LinkProxy;
import io.tandem.testing.MiniStack;
import io.tandem.testing.Service;
import io.tandem.testing.SharedEtcdCluster;
import io.tandem.testing.StackMember;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Two Management Layers over a real etcd cluster: one leads; the other answers nothing of its own and takes over. */
class ManagementLayersOverEtcdTest {
  private static final Duration PATIENCE = Duration.ofMinutes(1);

  @RegisterExtension
  static final SharedEtcdCluster ETCD = new SharedEtcdCluster(3);

  @TempDir
  Path dir;
  private MiniStack stack;
  private int configPort;
  private static final java.util.concurrent.atomic.AtomicInteger GROUPS = new java.util.concurrent.atomic.AtomicInteger();
  private final String prefix = "/managers-" + GROUPS.incrementAndGet() + "/";

  @BeforeEach
  void startConfigServer() throws Exception {
    stack = new MiniStack(dir, MiniStack.Mode.IN_JVM, MiniStack.Transport.PLAINTEXT);
    configPort = FreePorts.next();
    StackMember config = stack.start(Launch.of(Service.CONFIG_SERVER, "config-server", configPort, List.of(
        "--port", "" + configPort, "--data-dir", dir.resolve("config-data").toString(), "--no-fsync")));
    ConfigServiceGrpc.newBlockingStub(config.channel()).applyObjects(ApplyObjectsRequest.newBuilder()
        .addObjects(Applications.of("MgmtLayer", ApplicationType.MANAGEMENT_LAYER)
            .option("management", "leader-lease", "2s").build())
        .addObjects(Applications.of("A", ApplicationType.STAT_SERVER).backup("B").build())
        .addObjects(Applications.of("B", ApplicationType.STAT_SERVER).build())
        .build());
  }

  @AfterEach
  void stop() throws Exception {
    stack.close();
  }

  /** A Management Layer of this test's group: all of them share one prefix in etcd. */
  private StackMember managementLayer(String name) throws Exception {
    return managementLayer(name, ETCD.cluster().endpoints().toString());
  }

  private StackMember managementLayer(String name, String etcdEndpoints) throws Exception {
    int port = FreePorts.next();
    return stack.start(Launch.of(Service.MANAGEMENT_LAYER, name, port, List.of("--port", "" + port,
        "--config-server", "localhost:" + configPort, "--data-dir", dir.resolve(name + "-data").toString(),
        "--etcd-endpoints", etcdEndpoints, "--etcd-prefix", prefix, "--advertise", "localhost:" + port)));
  }

  private static String refusal(StackMember member) {
    try {
      ManagementServiceGrpc.newBlockingStub(member.channel()).getPairs(GetPairsRequest.getDefaultInstance());
      return "";
    } catch (StatusRuntimeException e) {
      return String.valueOf(e.getStatus().getDescription());
    }
  }

  /** Two Management Layers of this group, once one of them leads. */
  private record Elected(StackMember leader, StackMember standby) {}

  private Elected twoElected() throws Exception {
    StackMember a = managementLayer("one");
    StackMember b = managementLayer("two");
    await().atMost(PATIENCE).until(() -> pairs(a).isPresent() != pairs(b).isPresent());
    return pairs(a).isPresent() ? new Elected(a, b) : new Elected(b, a);
  }

  private static Optional<PairsStatus> pairs(StackMember member) {
    try {
      return Optional.of(ManagementServiceGrpc.newBlockingStub(member.channel()).getPairs(GetPairsRequest.getDefaultInstance()));
    } catch (StatusRuntimeException e) {
      return Optional.empty();
    }
  }

  @Test
  void oneStartedWhileEtcdDoesNotAnswerServesStandingByAndLeadsOnceEtcdAnswers() throws Exception {
    try (LinkProxy link = new LinkProxy(ETCD.cluster().members().get(0).client().port())) {
      link.cut();
      StackMember late = managementLayer("late", "localhost:" + link.port());
      assertThat(refusal(late)).as("started, standing by").contains("stands by", "no leader is known yet");

      link.heal();
      await().atMost(PATIENCE).until(() -> pairs(late).isPresent());
      assertThat(pairs(late).orElseThrow().getPairsList()).as("it decides from the configuration").hasSize(1);
    }
  }

  @Test
  void oneLeadsTheOtherNamesItAndTakesOverWhenItStops() throws Exception {
    Elected two = twoElected();
    StackMember leader = two.leader();
    StackMember standby = two.standby();
    // The standby names the leader once it has looked at the key since the election.
    await().atMost(PATIENCE).until(() -> refusal(standby).contains("the leader is at"));

    assertThatThrownBy(() -> ManagementServiceGrpc.newBlockingStub(standby.channel())
        .getPairs(GetPairsRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("stands by", "the leader is at localhost:" + leader.port());
        });
    assertThatThrownBy(() -> ManagementServiceGrpc.newBlockingStub(standby.channel())
        .switchover(SwitchoverRequest.newBuilder().setApplication("A").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));

    leader.close();
    await().atMost(PATIENCE).until(() -> pairs(standby).isPresent());
    assertThat(pairs(standby).orElseThrow().getPairsList()).as("the new leader decides from the configuration")
        .hasSize(1);
  }

  /** A member of the pair as the Stat Server's supervision shell runs it: it reports RUNNING and obeys. */
  private static final class Member implements AutoCloseable {
    final AtomicReference<SupervisionClient.Standing> standing =
        new AtomicReference<>(new SupervisionClient.Standing(Mode.MODE_UNSPECIFIED, 0));
    private final List<ManagedChannel> channels;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    private final SupervisionClient client;

    Member(String application, List<HostPort> addresses) {
      channels = addresses.stream()
          .map(address -> Channels.openForNonBlockingCallbacks(address, ServerIdentity.of(ServerIdentity.MANAGEMENT_LAYER),
              TransportSecurity.plaintext())).toList();
      AtomicLong reports = new AtomicLong();
      SupervisionClient[] self = new SupervisionClient[1];
      client = new SupervisionClient(SupervisionClient.following(addresses, channels, application), application,
          SupervisionClient.newInstanceId(), "localhost:1", new SupervisionClient.Listener() {
            @Override
            public void onConnected() {
              self[0].report(reports.incrementAndGet(), AppStatus.RUNNING, "");
            }

            @Override
            public void onDisconnected(Status status) {}

            @Override
            public void onModeCommand(ModeCommand command) {
              standing.set(new SupervisionClient.Standing(command.getMode(), command.getEpoch()));
              self[0].acknowledge(command);
            }

            @Override
            public void onStatusDelivered(long reportId) {}

            @Override
            public void onHeartbeatInterval(Duration interval) {
              var unused = executor.scheduleAtFixedRate(() -> self[0].heartbeat(standing.get().epoch()), 0,
                  interval.toMillis(), TimeUnit.MILLISECONDS);
            }

            @Override
            public void onRefused(Status status) {
              standing.set(new SupervisionClient.Standing(Mode.MODE_UNSPECIFIED, -1));
            }
          }, standing::get, executor, MonotonicClock.startingNow(), new java.util.Random(7));
      self[0] = client;
      client.start();
    }

    @Override
    public void close() {
      client.close();
      executor.shutdownNow();
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }

  @Test
  void aSupervisedApplicationGivenEveryAddressFindsTheLeaderAndFollowsItToTheNext() throws Exception {
    Elected two = twoElected();
    StackMember leader = two.leader();
    StackMember standby = two.standby();
    // The standby first: the application must find the leader by itself.
    try (Member b = new Member("B", List.of(standby.address(), leader.address()))) {
      await().atMost(PATIENCE).until(() -> b.standing.get().mode() == Mode.PRIMARY);
      long epoch = b.standing.get().epoch();

      leader.close();
      await().atMost(PATIENCE).until(() -> pairs(standby).map(p -> p.getPairs(0).getMembersList().stream()
          .anyMatch(m -> m.getApplication().equals("B") && m.getMode() == Mode.PRIMARY)).orElse(false));
      assertThat(b.standing.get()).as("the new leader adopted the mode B runs in; nobody's mode changed")
          .isEqualTo(new SupervisionClient.Standing(Mode.PRIMARY, epoch));
    }
  }

  @Test
  void aNewLeaderContinuesFromThePairStateTheOldOneKeptInEtcd() throws Exception {
    Elected two = twoElected();
    long epoch;
    try (Member b = new Member("B", List.of(two.leader().address()))) {
      await().atMost(PATIENCE).until(() -> b.standing.get().mode() == Mode.PRIMARY);
      epoch = b.standing.get().epoch();
      await("B's acknowledgement reached the leader").atMost(PATIENCE).until(() -> pairs(two.leader())
          .map(p -> p.getPairs(0).getMembersList().stream().anyMatch(m -> m.getModeAcknowledged())).orElse(false));
    }
    two.leader().close();
    await().atMost(PATIENCE).until(() -> pairs(two.standby()).isPresent());
    // Nobody has said hello to the new leader: what it knows of the pair, it read from etcd.
    assertThat(pairs(two.standby()).orElseThrow().getPairs(0).getEpoch())
        .as("the epoch B was made primary under, kept by the old leader").isEqualTo(epoch);
  }
}
