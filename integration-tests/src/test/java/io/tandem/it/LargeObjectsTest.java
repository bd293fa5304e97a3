package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tandem.cli.config.ConfigLoader;
import io.tandem.cli.config.ContactCenterGenerator;
import io.tandem.common.config.Applications;
import io.tandem.common.config.ConfigSession;
import io.tandem.common.grpc.MessageLimits;
import io.tandem.config.v1.AgentGroup;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.CreateObjectRequest;
import io.tandem.config.v1.ExpireHistoryRequest;
import io.tandem.config.v1.HistoryLogExpired;
import io.tandem.config.v1.ObjectType;
import io.tandem.stat.v1.GetServerInfoRequest;
import io.tandem.stat.v1.ServerInfo;
import io.tandem.stat.v1.StatServiceGrpc;
import io.tandem.common.process.FreePorts;
import io.tandem.testing.MiniStack;
import io.tandem.testing.Service;
import io.tandem.testing.StackMember;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Valid configuration never makes a message too large to read: 100,000 agents and four groups of
 * all 100,000 (1.3 MB each) go through a snapshot, a watch that replays them, and a reload of both
 * members of a pair; an object over the maximum is refused when written. The services run in this
 * JVM (a MiniStack), over real loopback gRPC.
 */
class LargeObjectsTest {
  private static final Duration WAIT = Duration.ofMinutes(3);
  private static final int AGENTS = 100_000;

  @TempDir
  Path dir;

  @Test
  void groupsOfAHundredThousandMembersGoThroughSnapshotsWatchesAndReloads() throws Exception {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try (MiniStack stack = new MiniStack(dir, MiniStack.Mode.IN_JVM)) {
      int configPort = FreePorts.next();
      StackMember config = stack.start(ServiceJvm.launch(Service.CONFIG_SERVER, "config-server", configPort,
          List.of("--port", "" + configPort, "--data-dir", dir.resolve("data").toString(), "--no-fsync")));
      var configStub = ConfigServiceGrpc.newBlockingStub(config.channel()).withDeadlineAfter(5, TimeUnit.MINUTES);
      int statA = FreePorts.next();
      int statB = FreePorts.next();
      List<ConfigObject> base = new ArrayList<>(ContactCenterGenerator.generate(AGENTS, 0, 10));
      base.add(Applications.of("MgmtLayer", ApplicationType.MANAGEMENT_LAYER).build());
      base.add(Applications.of("A", ApplicationType.STAT_SERVER).port(statA).backup("B").build());
      base.add(Applications.of("B", ApplicationType.STAT_SERVER).port(statB).build());
      long beforeGroups = ConfigLoader.apply(configStub, base).headEventId();
      List<ConfigObject> groups = ContactCenterGenerator.generate(AGENTS, 0, 0, 4).subList(AGENTS, AGENTS + 4);
      assertThat(groups).allSatisfy(g -> assertThat(g.getSerializedSize()).isGreaterThan(MessageLimits.BATCH_BYTES));
      ConfigLoader.apply(configStub, groups);

      ConfigSession session = new ConfigSession(config.channel(), "large-objects-test");
      List<ConfigObject> snapshot = new ArrayList<>();
      session.snapshot(Set.of(), snapshot::add, Duration.ofMinutes(2));
      assertThat(snapshot).filteredOn(o -> o.getType() == ObjectType.AGENT_GROUP)
          .hasSize(4).allSatisfy(g -> assertThat(g.getAgentGroup().getMembersCount()).isEqualTo(AGENTS));

      List<ChangeEvent> replayed = new CopyOnWriteArrayList<>();
      List<Long> progress = new CopyOnWriteArrayList<>();
      List<Status> ended = new CopyOnWriteArrayList<>();
      ConfigSession.Watch watch = session.watch(beforeGroups, new ConfigSession.WatchListener() {
        @Override
        public void onChanges(List<ChangeEvent> events, boolean replay) {
          replayed.addAll(events);
        }

        @Override
        public void onProgress(long headEventId) {
          progress.add(headEventId);
        }

        @Override
        public void onExpired(HistoryLogExpired expired) {
          ended.add(Status.OUT_OF_RANGE.withDescription(expired.toString()));
        }

        @Override
        public void onBroken(Status status) {
          ended.add(status);
        }
      }, timer);
      await("the watch replays all four groups").atMost(WAIT).until(() -> !progress.isEmpty());
      watch.cancel();
      assertThat(ended).isEmpty();
      assertThat(replayed).hasSize(4)
          .allSatisfy(e -> assertThat(e.getObject().getAgentGroup().getMembersCount()).isEqualTo(AGENTS));

      int managementPort = FreePorts.next();
      stack.start(ServiceJvm.launch(Service.MANAGEMENT_LAYER, "management-layer", managementPort,
          List.of("--port", "" + managementPort, "--config-server", "localhost:" + configPort,
              "--data-dir", dir.resolve("management-data").toString())));
      for (String member : List.of("A", "B")) {
        int port = member.equals("A") ? statA : statB;
        stack.start(ServiceJvm.launch(Service.STAT_SERVER, member, port, List.of("--app", member, "--port", "" + port,
            "--config-server", "localhost:" + configPort, "--management", "localhost:" + managementPort)));
      }
      configStub.expireHistory(ExpireHistoryRequest.getDefaultInstance());
      for (String member : List.of("A", "B")) {
        await(member + " reloaded").atMost(WAIT).until(() -> {
          ServerInfo info = StatServiceGrpc.newBlockingStub(stack.member(member).channel())
              .getServerInfo(GetServerInfoRequest.getDefaultInstance());
          return info.getReloadCount() == 1 && info.getServing();
        });
      }

      AgentGroup.Builder huge = AgentGroup.newBuilder();
      for (int i = 0; i < 250_000; i++) {
        huge.addMembers("a-member-name-" + i);
      }
      assertThatThrownBy(() -> configStub.createObject(CreateObjectRequest.newBuilder().setObject(ConfigObject.newBuilder()
          .setType(ObjectType.AGENT_GROUP).setName("too-large").setAgentGroup(huge)).build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains("object: AgentGroup 'too-large' is",
                "more than the maximum of " + MessageLimits.MAX_OBJECT_BYTES + " bytes");
          });
    } finally {
      timer.shutdownNow();
    }
  }
}
