package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.tandem.cli.config.ContactCenterGenerator;
import io.tandem.common.grpc.Channels;
import io.tandem.common.security.AccessRule;
import io.tandem.common.security.ServerIdentity;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.ExpireHistoryRequest;
import io.tandem.config.v1.ObjectType;
import io.tandem.protocol.link.HostPort;
import io.tandem.stat.v1.CenterEvent;
import io.tandem.stat.v1.ConfigState;
import io.tandem.stat.v1.EventType;
import io.tandem.stat.v1.FeedProgress;
import io.tandem.stat.v1.GetStatisticRequest;
import io.tandem.stat.v1.Notification;
import io.tandem.stat.v1.NotificationMode;
import io.tandem.stat.v1.OpenStatisticRequest;
import io.tandem.stat.v1.ProducerProgress;
import io.tandem.stat.v1.StatObject;
import io.tandem.stat.v1.StatServiceGrpc;
import io.tandem.stat.v1.StatisticSpec;
import io.tandem.stat.v1.StatisticType;
import io.tandem.stat.v1.StatisticValue;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * {@code serve-during-reload} with real processes, 100,000 agents and {@code -Xmx256m} per
 * member: a normal-mode reload (both members of a pair at once, or a standalone server) keeps the
 * client port serving the configuration in hand, and a feed running through it is applied once.
 * S2 without the option (ReloadScenariosTest) is the baseline.
 */
@Order(3)
class ServeDuringReloadScenariosTest extends PairStackTest {
  private static final Duration WAIT = PairStack.WAIT;
  private static final int AGENTS = 100_000;
  private static final int GROUPS = 1000;
  private static final int QUEUES = 3; // PairStack's configuration
  private static final String PRODUCER = "serve-during-reload";

  @Test
  void s2WithTheOptionOnBothMembersReloadAtOnceServingAndTheFeedIsAppliedOnce() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.pair("false", "yes").withAgents(AGENTS, GROUPS))
        .withStatServerOption("serve-during-reload", "true").start();
    try (HealthTimeline health = stack.watchHealth(); CallingClient client = new CallingClient(stack);
         PairFeed feed = new PairFeed(stack, PRODUCER, stack.clientPort(PairStack.A), stack.clientPort(PairStack.B),
             AGENTS, QUEUES, 100_000)) {
      await("the feed reaches both members").atMost(WAIT).until(() -> feed.applied(PairStack.A) > 20_000
          && feed.applied(PairStack.B) > 20_000);
      await().atMost(WAIT).until(() -> client.ok.get() > 100);

      // Both members hear the expiry from their watches at once: with the option off, the pair goes dark (S2).
      ConfigServiceGrpc.newBlockingStub(stack.config().channel()).expireHistory(ExpireHistoryRequest.getDefaultInstance());
      await("both members reloaded").atMost(WAIT).until(() -> stack.logged(PairStack.A, "02-10085").size() == 1
          && stack.logged(PairStack.B, "02-10085").size() == 1);
      long okAfterReloads = client.ok.get();
      await("calls go on after the reloads").atMost(WAIT).until(() -> client.ok.get() > okAfterReloads + 100);
      long before = feed.applied(PairStack.A);
      await("the feed goes on after the reloads").atMost(WAIT)
          .until(() -> feed.applied(PairStack.A) > before + 20_000);
      long total = feed.finish();

      Reloads reloads = reloads();
      // Answered by members reloading, not merely answered in time: values computed, by the members'
      // clocks, in the middle half of the span both reloaded in. 02-10084 comes before a reload's
      // work and 02-10085 after its swap, so a member that held its calls until its swap would
      // answer them at the span's end, not in its middle.
      Duration quarter = reloads.overlap().dividedBy(4);
      long answeredWhileBothReloaded = client.answeredBetween(reloads.bothFrom().plus(quarter),
          reloads.bothTo().minus(quarter));
      CallingClient.Served served = client.served(health);
      System.out.printf("S2 (serve-during-reload): both reloaded (%s), %d answered in the middle half of the overlap;"
          + " %d events fed; %s%n", reloads, answeredWhileBothReloaded, total, served);
      for (String member : List.of(PairStack.A, PairStack.B)) {
        assertThat(stack.logged(member, "02-10084")).as("%s reloaded in normal mode", member).singleElement()
            .asString().contains("serving=true");
        assertThat(stack.logged(member, "02-10086")).as("no protected mode").isEmpty();
        assertThat(stack.logged(member, "02-10085")).singleElement().asString().contains("serving=true");
        assertThat(health.everNotServing(member)).as("%s ever NOT_SERVING", member).isFalse();
        assertThat(stack.stat(member).logText()).as("%s in 256 MB of heap", member).doesNotContain("OutOfMemoryError");
      }
      client.assertServedThroughout(served, health);
      assertThat(reloads.overlap()).as("both members reloading at once (%s)", reloads).isPositive();
      assertThat(answeredWhileBothReloaded).as("calls answered in the middle half of the span both members reloaded"
          + " in (%s)", reloads).isPositive();

      ProducerProgress a = feed.progress(PairStack.A);
      assertThat(a.getEvents()).as("events applied on A, each once").isEqualTo(total);
      assertThat(feed.progress(PairStack.B)).as("B applied exactly what A did").isEqualTo(a);
      for (int g = 1; g <= GROUPS; g += 37) {
        feed.assertSameOnBoth(ObjectType.AGENT_GROUP, ContactCenterGenerator.groupName(g),
            StatisticType.TOTAL_CALLS_ANSWERED);
      }
    }
  }

  @Test
  void s5WithTheOptionOnAStandaloneServerServesThroughItsReloadAndItsOpenStatisticGetsValuesThroughout()
      throws Exception {
    stack = new PairStack(dir, PairStack.Setup.standalone().withAgents(AGENTS, GROUPS))
        .withStatServerOption("serve-during-reload", "true").start();
    List<CenterEvent> template = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      template.add(CenterEvent.newBuilder().setType(i % 2 == 0 ? EventType.AGENT_READY : EventType.AGENT_NOT_READY)
          .setTimestampMs(1_767_225_600_000L + i).setAgent(ContactCenterGenerator.agentName(1 + i * 199 % AGENTS))
          .build());
    }
    ManagedChannel channel = Channels.open(HostPort.local(stack.statPorts.get(PairStack.A)),
        ServerIdentity.of(PairStack.A), stack.stack.security(AccessRule.CLIENT));
    Values values = new Values();
    Flood flood = new Flood(PRODUCER, template, Integer.MAX_VALUE);
    try (HealthTimeline health = stack.watchHealth()) {
      StatServiceGrpc.newStub(channel).openStatistic(OpenStatisticRequest.newBuilder()
          .setObject(StatObject.newBuilder().setType(ObjectType.AGENT_GROUP).setName(ContactCenterGenerator.groupName(1)))
          .setStatistic(StatisticType.CURRENT_READY_AGENTS)
          .setNotification(Notification.newBuilder().setMode(NotificationMode.PERIODICAL).setPeriodSeconds(1))
          .build(), values);
      StatServiceGrpc.newStub(channel).feed(flood);
      await("values before the reload").atMost(WAIT).until(() -> values.count.get() >= 2);
      await("the feed applied").atMost(WAIT).until(() -> progress(PairStack.A).getEvents() > 20_000);

      // The reload is held open by freezing the Config Server mid-snapshot, so values can be seen
      // arriving during it. The snapshot's tail may be on its way already when the freeze lands:
      // then the reload ends, and the history expires again.
      int attempts = 0;
      long before = 0;
      int reloads = 0;
      boolean heldOpen = false;
      while (!heldOpen) {
        assertThat(++attempts).as("attempts to freeze the Config Server mid-reload").isLessThanOrEqualTo(5);
        reloads = stack.logged(PairStack.A, "02-10085").size();
        int reloadsBefore = reloads;
        ConfigServiceGrpc.newBlockingStub(stack.config().channel()).expireHistory(ExpireHistoryRequest.getDefaultInstance());
        await("the reload starts").atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() -> reloading()
            || stack.logged(PairStack.A, "02-10085").size() > reloadsBefore);
        stack.config().pause();
        if (reloading()) {
          before = values.count.get();
          long seen = before;
          await("values while frozen").atMost(WAIT).until(() -> values.count.get() >= seen + 2);
          heldOpen = reloading();
          assertThat(stack.info(PairStack.A).getServing()).as("GetServerInfo says serving").isTrue();
        }
        if (!heldOpen) {
          stack.config().resume();
          await("the reload done").atMost(WAIT)
              .until(() -> stack.logged(PairStack.A, "02-10085").size() > reloadsBefore);
        }
      }
      int reloadsHeld = reloads;
      GetStatisticRequest call = GetStatisticRequest.newBuilder().setSpec(StatisticSpec.newBuilder()
          .setObject(StatObject.newBuilder().setType(ObjectType.AGENT_GROUP).setName(ContactCenterGenerator.groupName(2)))
          .setStatistic(StatisticType.CURRENT_READY_AGENTS)).build();
      assertThat(StatServiceGrpc.newBlockingStub(channel).getStatistic(call).getComputedAtMs())
          .as("a call answered during the reload").isPositive();
      stack.config().resume();

      await("the reload done").atMost(WAIT).until(() -> stack.logged(PairStack.A, "02-10085").size() > reloadsHeld
          && stack.info(PairStack.A).getConfigState() == ConfigState.SYNCED);
      assertThat(stack.logged(PairStack.A, "02-10085")).last().asString().contains("serving=true");
      long after = values.count.get();
      await("values after the reload").atMost(WAIT).until(() -> values.count.get() >= after + 2);
      flood.stop();
      FeedProgress last = flood.last.get(2, TimeUnit.MINUTES);

      System.out.printf("S5 (serve-during-reload): %d values of the open statistic (%d during the reload), %d batches"
          + " fed, %d attempts to hold the reload open%n", values.count.get(), after - before, flood.sent(), attempts);
      assertThat(health.everNotServing(PairStack.A)).as("the port ever NOT_SERVING").isFalse();
      assertThat(values.failure).as("the open statistic never ended").isNull();
      assertThat(last.getAppliedThrough()).isEqualTo(flood.sent());
      assertThat(progress(PairStack.A).getEvents()).as("every event applied, once")
          .isEqualTo((long) flood.sent() * template.size());
      assertThat(stack.stat(PairStack.A).logText()).as("in 256 MB of heap").doesNotContain("OutOfMemoryError");
    } finally {
      flood.stop();
      Channels.close(channel, Duration.ofSeconds(1));
    }
  }

  /** The two members' reloads (02-10084 to 02-10085), by their clocks. */
  private record Reloads(Instant startA, Instant endA, Instant startB, Instant endB) {
    Instant bothFrom() {
      return startA.isAfter(startB) ? startA : startB;
    }

    Instant bothTo() {
      return endA.isBefore(endB) ? endA : endB;
    }

    Duration overlap() {
      return Duration.between(bothFrom(), bothTo());
    }

    @Override
    public String toString() {
      return String.format("A %d ms, B %d ms, overlapping %d ms", Duration.between(startA, endA).toMillis(),
          Duration.between(startB, endB).toMillis(), Math.max(0, overlap().toMillis()));
    }
  }

  private Reloads reloads() {
    return new Reloads(loggedAt(stack.logged(PairStack.A, "02-10084").get(0)),
        loggedAt(stack.logged(PairStack.A, "02-10085").get(0)), loggedAt(stack.logged(PairStack.B, "02-10084").get(0)),
        loggedAt(stack.logged(PairStack.B, "02-10085").get(0)));
  }

  /** A log line's time: its first word. */
  private static Instant loggedAt(String line) {
    return Instant.parse(line.substring(0, line.indexOf(' ')));
  }

  private boolean reloading() {
    return stack.info(PairStack.A).getConfigState() == ConfigState.RELOADING;
  }

  /** What the standalone member says it applied of the flood. */
  private ProducerProgress progress(String member) {
    return PairFeed.progress(stack, member, PRODUCER);
  }

  /** The values of one open statistic as they arrive. */
  private static final class Values implements StreamObserver<StatisticValue> {
    final AtomicLong count = new AtomicLong();
    volatile Throwable failure;

    @Override
    public void onNext(StatisticValue value) {
      count.incrementAndGet();
    }

    @Override
    public void onError(Throwable t) {
      failure = t;
    }

    @Override
    public void onCompleted() {
      failure = new IllegalStateException("the statistic ended");
    }
  }
}
