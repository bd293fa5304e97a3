package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import io.tandem.common.security.AccessRule;
import io.tandem.common.security.ServerIdentity;

import io.tandem.cli.config.ContactCenterGenerator;
import io.tandem.client.WarmStandbyClient;
import io.tandem.protocol.link.HostPort;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.ExpireHistoryRequest;
import io.tandem.config.v1.ObjectType;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.tandem.common.grpc.Channels;
import io.tandem.stat.v1.CenterEvent;
import io.tandem.stat.v1.EventBatch;
import io.tandem.stat.v1.EventType;
import io.tandem.stat.v1.ProducerProgress;
import io.tandem.stat.v1.StatServiceGrpc;
import io.tandem.stat.v1.StatisticType;
import io.tandem.testing.LinkProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * S15: a producer feeds both members as fast as they take it while the pair reloads (the backup
 * in normal mode, the primary in protected mode with a switchover), and one member's feed
 * connection is cut in the middle. Nothing is lost or applied twice: both members end with the
 * same figures, in 256 MB of heap each. And many streams flooding one member: held back within
 * its one feed budget, nothing lost.
 */
@Order(8)
class FeedScenariosTest extends PairStackTest {
  private static final Duration WAIT = PairStack.WAIT;
  private static final int AGENTS = 100_000;
  private static final int GROUPS = 1000;
  private static final int QUEUES = 3; // PairStack's configuration

  @Test
  void s15TheFeedThroughAReloadASwitchoverAndACutConnectionIsAppliedOnceByBothMembers() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.pair("true", "yes").withAgents(AGENTS, GROUPS)).start();
    String primary = stack.primary();
    String backup = stack.other(primary);
    // The backup's feed goes through a link the test cuts while the backup reloads; the primary's
    // goes straight, so events reach it all through its own reload after the switchover (a feed
    // cut and healed comes back after its reconnect backoff, which may outlast a reload).
    try (LinkProxy linkToBackup = new LinkProxy(stack.statPorts.get(backup));
         PairFeed feed = new PairFeed(stack, "s15-producer", stack.clientPort(primary),
             new WarmStandbyClient.Member(backup, HostPort.local(linkToBackup.port())), AGENTS, QUEUES, 200_000)) {
      await("the feed reaches both members").atMost(WAIT).until(() -> feed.applied(PairStack.A) > 50_000
          && feed.applied(PairStack.B) > 50_000);

      ConfigServiceGrpc.newBlockingStub(stack.config().channel()).expireHistory(ExpireHistoryRequest.getDefaultInstance());
      await("protected mode on " + primary).atMost(WAIT).until(() -> !stack.logged(primary, "02-10086").isEmpty());
      linkToBackup.cut();
      await(backup + " reloaded").atMost(WAIT).until(() -> stack.logged(backup, "02-10085").size() == 1);
      linkToBackup.heal();
      await(primary + " reloaded after the switchover").atMost(WAIT)
          .until(() -> stack.logged(primary, "02-10085").size() == 1);
      await().atMost(WAIT).until(() -> stack.serving(PairStack.A) && stack.serving(PairStack.B));
      long before = feed.applied(PairStack.A);
      await("the feed goes on after the reloads").atMost(WAIT)
          .until(() -> feed.applied(PairStack.A) > before + 50_000);

      long total = feed.finish();
      ProducerProgress a = feed.progress(PairStack.A);
      ProducerProgress b = feed.progress(PairStack.B);
      System.out.printf("S15: %d events sent in %d batches; applied A=%d B=%d%n", total, a.getAppliedThrough(),
          a.getEvents(), b.getEvents());
      assertThat(a.getEvents()).as("events applied on A, each once").isEqualTo(total);
      assertThat(b).as("B applied exactly what A did").isEqualTo(a);
      assertThat(stack.logged(primary, "02-10103")).as("events fed during the old primary's reload were held").isNotEmpty();

      for (int g = 1; g <= GROUPS; g++) {
        feed.assertSameOnBoth(ObjectType.AGENT_GROUP, ContactCenterGenerator.groupName(g),
            StatisticType.TOTAL_CALLS_ANSWERED);
      }
      for (int q = 1; q <= QUEUES; q++) {
        feed.assertSameOnBoth(ObjectType.QUEUE, ContactCenterGenerator.queueName(q), StatisticType.CURRENT_WAITING_CALLS);
      }
      for (String member : List.of(PairStack.A, PairStack.B)) {
        assertThat(stack.stat(member).alive()).as("%s still runs", member).isTrue();
        assertThat(stack.stat(member).logText()).as("%s in 256 MB of heap", member).doesNotContain("OutOfMemoryError");
      }
    }
  }

  /** The member's feed budget by default (reload-feed-buffer). */
  private static final long BUDGET = 32L * 1024 * 1024;

  /**
   * 64 streams (four connections of 16) push {@code batchesEach} batches of {@code template} as
   * fast as member A asks for them: every feed ends with its last progress, every event applied
   * once, the member alive and never out of memory. The most it held of the feed at once.
   */
  private long flood(String prefix, List<CenterEvent> template, int batchesEach, List<ManagedChannel> channels) {
    int connections = 4;
    int streamsEach = 16; // --max-feeds-per-connection
    List<Flood> floods = new ArrayList<>();
    for (int c = 0; c < connections; c++) {
      ManagedChannel channel = Channels.open(HostPort.local(stack.statPorts.get(PairStack.A)),
          ServerIdentity.of(PairStack.A), stack.stack.security(AccessRule.CLIENT));
      channels.add(channel);
      for (int s = 0; s < streamsEach; s++) {
        Flood flood = new Flood(String.format("%s-%02d", prefix, floods.size()), template, batchesEach);
        floods.add(flood);
        StatServiceGrpc.newStub(channel).feed(flood);
      }
    }
    CompletableFuture<Void> all = CompletableFuture.allOf(floods.stream().map(f -> f.last)
        .toArray(CompletableFuture[]::new));
    // What the member holds of the feed, read all along until every feed ended (or the member did).
    AtomicLong mostHeld = new AtomicLong();
    await("every feed ends").atMost(WAIT.multipliedBy(3)).pollInterval(Duration.ofMillis(50)).until(() -> {
      if (!stack.stat(PairStack.A).alive()) {
        return true;
      }
      mostHeld.accumulateAndGet(stack.info(PairStack.A).getFeedHeldBytes(), Math::max);
      return all.isDone();
    });
    assertThat(stack.stat(PairStack.A).logText()).as("in 256 MB of heap").doesNotContain("OutOfMemoryError");
    assertThat(stack.stat(PairStack.A).alive()).isTrue();
    assertThat(all).as("every producer's feed ends with its last progress").succeedsWithin(Duration.ofSeconds(10));

    Map<String, ProducerProgress> byProducer = new HashMap<>();
    stack.info(PairStack.A).getProducersList().forEach(p -> byProducer.put(p.getProducerId(), p));
    for (Flood flood : floods) {
      assertThat(byProducer.get(flood.producer)).as(flood.producer).satisfies(p -> {
        assertThat(p.getAppliedThrough()).isEqualTo(batchesEach);
        assertThat(p.getEvents()).as("every event applied, once").isEqualTo((long) batchesEach * template.size());
      });
    }
    System.out.printf("%s: %d streams of %d batches of %d events (%d bytes on the wire each); at most %d bytes "
        + "held at once%n", prefix, floods.size(), batchesEach, template.size(), EventBatch.newBuilder()
        .setProducerId(prefix + "-00").setSequence(batchesEach).addAllEvents(template).build().getSerializedSize(),
        mostHeld.get());
    return mostHeld.get();
  }

  /**
   * 64 streams (four connections of 16) push 2,500-event batches as fast as the member asks, into
   * one Stat Server at {@code -Xmx256m}: it stays within its one feed budget, nothing is lost.
   */
  @Test
  void manyStreamsFloodingAMemberAreHeldBackWithinItsMemoryAndNothingIsLost() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.standalone()).start();
    List<CenterEvent> template = new ArrayList<>();
    for (int i = 0; i < 2500; i++) {
      template.add(CenterEvent.newBuilder().setType(i % 2 == 0 ? EventType.AGENT_READY : EventType.AGENT_NOT_READY)
          .setTimestampMs(1_767_225_600_000L + i).setAgent(ContactCenterGenerator.agentName(1 + i % 200)).build());
    }
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      assertThat(flood("flood", template, 10, channels)).as("held at once: within the budget")
          .isLessThanOrEqualTo(BUDGET);
    } finally {
      channels.forEach(channel -> Channels.close(channel, Duration.ofSeconds(1)));
    }
  }

  /**
   * 64 streams push the largest batches the client port takes, of the smallest events (empty
   * ones: 2 bytes on the wire, 64 in the heap once parsed), into one Stat Server at
   * {@code -Xmx256m}: it stays within its one feed budget, nothing is lost; and a batch one byte
   * larger is refused, naming the limit.
   */
  @Test
  void theLargestBatchesFromManyStreamsStayWithinTheMembersMemoryAndALargerOneIsRefusedNamingTheLimit()
      throws Exception {
    stack = new PairStack(dir, PairStack.Setup.standalone()).start();
    int largest = 256 * 1024;
    List<CenterEvent> template = Collections.nCopies((largest - 32) / 2, CenterEvent.getDefaultInstance());
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      assertThat(flood("largest", template, 3, channels)).as("held at once: within the budget")
          .isLessThanOrEqualTo(BUDGET);

      Flood tooLarge = new Flood("too-large", Collections.nCopies(largest / 2, CenterEvent.getDefaultInstance()), 1);
      StatServiceGrpc.newStub(channels.get(0)).feed(tooLarge);
      assertThat(tooLarge.last).failsWithin(WAIT).withThrowableOfType(ExecutionException.class).satisfies(e -> {
        Status status = Status.fromThrowable(e.getCause());
        assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(status.getDescription()).contains(String.valueOf(largest));
      });
      assertThat(stack.stat(PairStack.A).alive()).isTrue();
    } finally {
      channels.forEach(channel -> Channels.close(channel, Duration.ofSeconds(1)));
    }
  }
}
