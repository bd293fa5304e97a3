package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import io.tandem.common.security.AccessRule;

import io.tandem.client.FeedPublisher;
import io.tandem.client.RecordingListener;
import io.tandem.client.StatisticSubscription;
import io.tandem.client.WarmStandbyClient;
import io.tandem.protocol.link.HostPort;
import io.tandem.config.v1.AgentGroup;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.CreateObjectRequest;
import io.tandem.config.v1.GetObjectRequest;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.UpdateObjectRequest;
import io.tandem.management.v1.ManagementServiceGrpc;
import io.tandem.management.v1.SwitchoverRequest;
import io.tandem.management.v1.SwitchoverResult;
import io.tandem.stat.v1.CenterEvent;
import io.tandem.stat.v1.EventBatch;
import io.tandem.stat.v1.EventType;
import io.tandem.stat.v1.GetStatisticRequest;
import io.tandem.stat.v1.Notification;
import io.tandem.stat.v1.NotificationMode;
import io.tandem.stat.v1.OpenStatisticRequest;
import io.tandem.stat.v1.StatObject;
import io.tandem.stat.v1.StatServiceGrpc;
import io.tandem.stat.v1.StatisticSpec;
import io.tandem.stat.v1.StatisticType;
import io.tandem.common.process.FreePorts;
import io.tandem.testing.Service;
import io.tandem.testing.StackMember;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** Statistics across the pair's reloads and switchovers, every service a real process. */
@Order(8)
class StatisticsScenariosTest extends PairStackTest {
  private static final Duration WAIT = PairStack.WAIT;
  private static final StatObject GROUP = StatObject.newBuilder().setType(ObjectType.AGENT_GROUP).setName("group0001").build();
  private static final StatObject QUEUE = StatObject.newBuilder().setType(ObjectType.QUEUE).setName("queue001").build();

  private static CenterEvent event(EventType type, String agent, String queue, String call) {
    return CenterEvent.newBuilder().setType(type).setTimestampMs(System.currentTimeMillis()).setAgent(agent)
        .setQueue(queue).setCallId(call).build();
  }

  private static EventBatch loginReady(String... agents) {
    EventBatch.Builder batch = EventBatch.newBuilder();
    for (String agent : agents) {
      batch.addEvents(event(EventType.AGENT_LOGIN, agent, "", ""));
      batch.addEvents(event(EventType.AGENT_READY, agent, "", ""));
    }
    return batch.build();
  }

  private long readyOn(String member) {
    return StatServiceGrpc.newBlockingStub(stack.stat(member).channel()).getStatistic(GetStatisticRequest.newBuilder()
        .setSpec(StatisticSpec.newBuilder().setObject(GROUP).setStatistic(StatisticType.CURRENT_READY_AGENTS)).build())
        .getCount();
  }

  @Test
  void s9AnAgentAddedToAGroupDuringTheOutageCountsOnBothMembersAfterTheProtectedReload() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.pair("true", "yes")).start();
    String primary = stack.primary();
    List<String> members = ConfigServiceGrpc.newBlockingStub(stack.config().channel())
        .getObject(GetObjectRequest.newBuilder().setType(ObjectType.AGENT_GROUP).setName("group0001").build())
        .getAgentGroup().getMembersList();
    try (WarmStandbyClient client = new WarmStandbyClient(stack.clientPort(PairStack.A), stack.clientPort(PairStack.B),
        stack.stack.security(AccessRule.CLIENT));
         FeedPublisher feed = client.feed()) {
      feed.publish(loginReady(members.get(0), members.get(1)));
      await().atMost(WAIT).until(() -> readyOn(PairStack.A) == 2 && readyOn(PairStack.B) == 2);

      // The outage: the Config Server goes away; meanwhile the configuration changes (an
      // administrator's Config Server instance on the same data, on a port nobody else knows).
      stack.config().close();
      int adminPort = FreePorts.next();
      try (StackMember admin = stack.stack.start(ServiceJvm.launch(Service.CONFIG_SERVER, "config-admin", adminPort,
          List.of("--port", "" + adminPort, "--data-dir", stack.dataDir(PairStack.CONFIG_SERVER).toString(), "--no-fsync"))
          .heap("-Xmx768m"))) {
        var config = ConfigServiceGrpc.newBlockingStub(admin.channel());
        config.createObject(CreateObjectRequest.newBuilder().setObject(ConfigObject.newBuilder()
            .setType(ObjectType.AGENT).setName("agent-new")).build());
        ConfigObject group = config.getObject(GetObjectRequest.newBuilder().setType(ObjectType.AGENT_GROUP)
            .setName("group0001").build());
        config.updateObject(UpdateObjectRequest.newBuilder().setExpectedVersion(group.getVersion())
            .setObject(group.toBuilder().setAgentGroup(AgentGroup.newBuilder()
                .addAllMembers(group.getAgentGroup().getMembersList()).addMembers("agent-new"))).build());
      }
      stack.startConfigServer(true);

      await().atMost(WAIT).until(() -> !stack.logged(primary, "02-10087").isEmpty()
          && stack.logged(primary, "02-10085").size() == 1);
      assertThat(stack.logged(primary, "02-10086")).hasSize(1);
      await().atMost(WAIT).until(() -> stack.stats().stream().allMatch(s -> s.health().serving()));

      feed.publish(loginReady("agent-new"));
      await().atMost(WAIT).until(() -> readyOn(PairStack.A) == 3 && readyOn(PairStack.B) == 3);
    }
  }

  @Test
  void aClientSeesNoFailedCallAndItsOpenStatisticContinuesAcrossAProtectedReloadAndAManualSwitchover() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.pair("true", "yes").withAgents(20_000, 200)).start();
    RecordingListener streamed = new RecordingListener();
    try (HealthTimeline health = stack.watchHealth(); CallingClient client = new CallingClient(stack);
         FeedPublisher feed = client.client().feed();
         StatisticSubscription waiting = client.client().openStatistic(OpenStatisticRequest.newBuilder().setObject(QUEUE)
             .setStatistic(StatisticType.CURRENT_WAITING_CALLS)
             .setNotification(Notification.newBuilder().setMode(NotificationMode.IMMEDIATE)).build(), streamed)) {
      AtomicLong callIds = new AtomicLong();
      Runnable queueACall = () -> feed.publish(EventBatch.newBuilder()
          .addEvents(event(EventType.CALL_QUEUED, "", "queue001", "c" + callIds.incrementAndGet())).build());

      await().atMost(WAIT).until(() -> client.ok.get() > 50 && !streamed.values.isEmpty());
      queueACall.run();
      await().atMost(WAIT).until(() -> streamed.last().getCount() == 1);

      String primary = stack.primary();
      stack.restartConfigServer(true);
      await().atMost(WAIT).until(() -> stack.logged(primary, "02-10085").size() == 1);
      await().atMost(WAIT).until(() -> stack.stats().stream().allMatch(s -> s.health().serving()));
      queueACall.run();
      await().atMost(WAIT).until(() -> streamed.last().getCount() == 2);

      var reply = ManagementServiceGrpc.newBlockingStub(stack.management().channel())
          .switchover(SwitchoverRequest.newBuilder().setApplication(PairStack.A).build());
      assertThat(reply.getResult()).isEqualTo(SwitchoverResult.DONE);
      queueACall.run();
      await().atMost(WAIT).until(() -> streamed.last().getCount() == 3);
      long okBefore = client.ok.get();
      await().atMost(WAIT).until(() -> client.ok.get() > okBefore + 50);

      CallingClient.Served served = client.served(health);
      System.out.printf("A client across a protected reload and a switchover: %s%n", served);
      client.assertServedThroughout(served, health);
      assertThat(streamed.ended).as("the open statistic never ended").isEmpty();
      assertThat(waiting.reopens()).as("it followed the pair").isPositive();
    }
  }
}
