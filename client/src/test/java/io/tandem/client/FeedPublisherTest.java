package io.tandem.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.tandem.common.security.TransportSecurity;
import io.tandem.common.testing.TestPki;

import io.tandem.stat.v1.CenterEvent;
import io.tandem.stat.v1.EventBatch;
import io.tandem.stat.v1.EventType;
import io.tandem.stat.v1.FeedProgress;
import io.tandem.stat.v1.Role;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The feed to both members of a pair, against two stand-in members on real loopback ports. */
class FeedPublisherTest {
  private final TransportSecurity security = TestPki.shared().security("client");
  private FakeMember a;
  private FakeMember b;
  private WarmStandbyClient client;

  @BeforeEach
  void start() throws Exception {
    a = new FakeMember("a", Role.PRIMARY);
    b = new FakeMember("b", Role.BACKUP);
    client = new WarmStandbyClient(a.member(), b.member(), security);
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    security.close();
    a.close();
    b.close();
  }

  private static EventBatch batch(int i) {
    return EventBatch.newBuilder().addEvents(CenterEvent.newBuilder().setType(EventType.CALL_QUEUED)
        .setQueue("q").setCallId("call-" + i)).build();
  }

  @Test
  void everyBatchReachesBothMembersOnceAndInOrderAcrossABrokenStream() throws Exception {
    b.breakFeedAfter = 30;
    try (FeedPublisher feed = client.feed("producer-under-test")) {
      for (int i = 1; i <= 100; i++) {
        feed.publish(batch(i));
      }
      List<FeedProgress> last = feed.finish().get(30, TimeUnit.SECONDS);
      assertThat(last).allSatisfy(p -> assertThat(p.getAppliedThrough()).isEqualTo(100));
      assertThat(feed.unacknowledgedBytes()).as("nothing left waiting").isZero();
    }
    List<Long> all = LongStream.rangeClosed(1, 100).boxed().toList();
    assertThat(a.applied).isEqualTo(all);
    assertThat(b.brokenFeeds.get()).as("b's stream was cut once").isEqualTo(1);
    assertThat(b.applied).as("b got everything once, in order, after its stream broke").isEqualTo(all);
  }

  /**
   * A routing process restarted with the id it had: the member remembers that id through 500, so
   * it would skip the new batches 1 to 500 as applied and acknowledge them all.
   */
  @Test
  void aMemberThatAppliedMoreOfItsIdThanItSentStopsThePublisherNamingTheId() throws Exception {
    LongStream.rangeClosed(1, 500).forEach(a.applied::add);
    try (FeedPublisher feed = client.feed("router-1")) {
      feed.publish(batch(1));
      String why = "producer id 'router-1': " + a.address() + " has applied its batches through sequence 500,"
          + " beyond the 1 this publisher sent";
      assertThat(feed.finish()).failsWithin(30, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
          .withMessageContaining(why);
      assertThatThrownBy(() -> feed.publish(batch(2))).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(why).hasMessageContaining("another publisher used this id");
    }
    assertThat(a.applied).as("nothing of the new publisher applied as if it were the old one's").hasSize(500);
  }

  @Test
  void aProducerIdOrAnEventNameThatIsNoNameIsRefusedBeforeAnythingIsSent() {
    assertThatThrownBy(() -> client.feed("")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("producerId: must not be empty");
    try (FeedPublisher feed = client.feed("p")) {
      EventBatch overlong = EventBatch.newBuilder().addEvents(CenterEvent.newBuilder().setType(EventType.CALL_QUEUED)
          .setQueue("q").setCallId("c".repeat(300))).build();
      assertThatThrownBy(() -> feed.publish(overlong)).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("batch: events[0].call_id: is 300 characters long, more than the maximum of 255; nothing was"
              + " published");
      assertThat(feed.unacknowledgedBytes()).isZero();
    }
  }

  @Test
  void whenAMemberAcknowledgesNothingPublishFailsClearlyOnceTheBufferIsFull() {
    b.freeze(true);
    long tenBatches = 0;
    for (int i = 1; i <= 10; i++) {
      tenBatches += batch(i).toBuilder().setProducerId("p").setSequence(i).build().getSerializedSize();
    }
    try (FeedPublisher feed = client.feed("p", tenBatches, Duration.ofMillis(1500))) {
      for (int i = 1; i <= 10; i++) {
        feed.publish(batch(i));
      }
      assertThatThrownBy(() -> feed.publish(batch(11)))
          .isInstanceOf(FeedPublisher.FeedBufferFullException.class)
          .hasMessageContaining("not yet acknowledged by [" + b.address())
          .hasMessageContaining("nothing was published");
      assertThat(feed.unacknowledgedBytes()).isEqualTo(tenBatches);
    }
  }

  @Test
  void aBatchLargerThanAMemberTakesIsRefusedAtOnceNamingTheLimit() throws Exception {
    EventBatch.Builder large = EventBatch.newBuilder();
    int events = 256 * 1024 / batch(0).getSerializedSize() + 1;
    for (int i = 0; i < events; i++) {
      large.addEvents(batch(i).getEvents(0));
    }
    try (FeedPublisher feed = client.feed("p")) {
      assertThatThrownBy(() -> feed.publish(large.build()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("262144 bytes")
          .hasMessageContaining("nothing was published");
      feed.publish(batch(1));
      List<FeedProgress> last = feed.finish().get(30, TimeUnit.SECONDS);
      assertThat(last).as("the next batch is the first one").allSatisfy(p -> assertThat(p.getAppliedThrough()).isEqualTo(1));
    }
    assertThat(a.applied).containsExactly(1L);
  }
}
