package io.tandem.management.leader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
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
    int port = FreePorts.next();
    return stack.start(Launch.of(Service.MANAGEMENT_LAYER, name, port, List.of("--port", "" + port,
        "--config-server", "localhost:" + configPort, "--data-dir", dir.resolve(name + "-data").toString(),
        "--etcd-endpoints", ETCD.cluster().endpoints().toString(), "--etcd-prefix", prefix,
        "--advertise", "localhost:" + port)));
  }

  private static Optional<PairsStatus> pairs(StackMember member) {
    try {
      return Optional.of(ManagementServiceGrpc.newBlockingStub(member.channel()).getPairs(GetPairsRequest.getDefaultInstance()));
    } catch (StatusRuntimeException e) {
      return Optional.empty();
    }
  }

  @Test
  void oneLeadsTheOtherNamesItAndTakesOverWhenItStops() throws Exception {
    StackMember a = managementLayer("one");
    StackMember b = managementLayer("two");
    await().atMost(PATIENCE).until(() -> pairs(a).isPresent() != pairs(b).isPresent());
    StackMember leader = pairs(a).isPresent() ? a : b;
    StackMember standby = leader == a ? b : a;

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
}
