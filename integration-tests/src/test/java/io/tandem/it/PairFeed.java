package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.cli.stat.SimulatedFeed;
import io.tandem.client.FeedPublisher;
import io.tandem.client.WarmStandbyClient;
import io.tandem.common.security.AccessRule;
import io.tandem.config.v1.ObjectType;
import io.tandem.stat.v1.FeedProgress;
import io.tandem.stat.v1.GetStatisticRequest;
import io.tandem.stat.v1.ProducerProgress;
import io.tandem.stat.v1.StatObject;
import io.tandem.stat.v1.StatServiceGrpc;
import io.tandem.stat.v1.StatisticSpec;
import io.tandem.stat.v1.StatisticType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One producer feeding both members of a pair through a warm-standby client's {@link
 * FeedPublisher}, simulated contact-center events as fast as the members take them, until
 * {@link #finish}; and what the members say they applied of it.
 */
final class PairFeed implements AutoCloseable {
  private final PairStack stack;
  private final String producerId;
  private final WarmStandbyClient client;
  private final FeedPublisher feed;
  private final AtomicBoolean producing = new AtomicBoolean(true);
  private final ExecutorService producer = Executors.newSingleThreadExecutor();
  private final Future<Long> sent;

  /**
   * Feeds {@code first} and {@code second} (a member's port, or a proxy's to it) with events on
   * {@code agents} agents at up to {@code eventsPerSecond}. While a member cannot be reached the
   * publisher's 8 MiB buffer fills and publish waits: the producer is held back, not failed.
   */
  PairFeed(PairStack stack, String producerId, WarmStandbyClient.Member first, WarmStandbyClient.Member second,
      int agents, int queues, double eventsPerSecond) {
    this.stack = stack;
    this.producerId = producerId;
    client = new WarmStandbyClient(first, second, stack.stack.security(AccessRule.CLIENT));
    feed = client.feed(producerId, 8L * 1024 * 1024, Duration.ofMinutes(2));
    SimulatedFeed events = new SimulatedFeed(agents, queues, eventsPerSecond, 500, 15, System.currentTimeMillis());
    sent = producer.submit(() -> {
      while (producing.get()) {
        feed.publish(events.next());
      }
      return events.events();
    });
  }

  /** Stops producing and waits for both members' last progress: the events sent. */
  long finish() throws Exception {
    producing.set(false);
    long total = sent.get(2, TimeUnit.MINUTES);
    List<FeedProgress> last = feed.finish().get(5, TimeUnit.MINUTES);
    assertThat(last).allSatisfy(p -> assertThat(p.getFinal()).isTrue());
    return total;
  }

  /** What {@code member} says it applied of this producer's feed. */
  ProducerProgress progress(String member) {
    return progress(stack, member, producerId);
  }

  /** What {@code member} of {@code stack} says it applied of producer {@code producerId}'s feed. */
  static ProducerProgress progress(PairStack stack, String member, String producerId) {
    return stack.info(member).getProducersList().stream().filter(p -> p.getProducerId().equals(producerId))
        .findFirst().orElse(ProducerProgress.getDefaultInstance());
  }

  /** Events {@code member} applied of this feed. */
  long applied(String member) {
    return progress(member).getEvents();
  }

  /** Both members give the same value of {@code statistic} of {@code name}. */
  void assertSameOnBoth(ObjectType type, String name, StatisticType statistic) {
    GetStatisticRequest request = GetStatisticRequest.newBuilder().setSpec(StatisticSpec.newBuilder()
        .setObject(StatObject.newBuilder().setType(type).setName(name)).setStatistic(statistic)).build();
    List<Long> values = new ArrayList<>();
    for (String member : List.of(PairStack.A, PairStack.B)) {
      values.add(StatServiceGrpc.newBlockingStub(stack.stat(member).channel()).getStatistic(request).getCount());
    }
    assertThat(values.get(1)).as("%s %s on both members", name, statistic).isEqualTo(values.get(0));
  }

  @Override
  public void close() {
    producing.set(false);
    producer.shutdownNow();
    feed.close();
    client.close();
  }
}
