package io.tandem.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.tandem.config.v1.ChangeBatch;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ChangeKind;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.HistoryLogExpired;
import io.tandem.config.v1.Progress;
import io.tandem.config.v1.WatchRequest;
import io.tandem.config.v1.WatchResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A watch passes on only what a Config Server may send: the next event ids, and a progress at the
 * last one sent. Anything else (a misbehaving or diverged replica) ends it as broken, so its
 * consumer restores from what it applied, on another replica if there is one.
 */
class ConfigSessionTest {
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    timer.shutdownNow();
  }

  /** What the listener heard: event ids and progress heads in order, then how the watch ended. */
  private static final class Heard implements ConfigSession.WatchListener {
    final List<String> said = new CopyOnWriteArrayList<>();
    volatile Status broken;

    @Override
    public void onChanges(List<ChangeEvent> events, boolean replay) {
      events.forEach(e -> said.add("event " + e.getEventId()));
    }

    @Override
    public void onProgress(long headEventId) {
      said.add("progress " + headEventId);
    }

    @Override
    public void onExpired(HistoryLogExpired expired) {
      said.add("expired");
    }

    @Override
    public void onBroken(Status status) {
      broken = status;
    }
  }

  /** Watches after {@code after} on a Config Server that answers with {@code responses}, then stays open. */
  private Heard watch(long after, WatchResponse... responses) throws Exception {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(new ConfigServiceGrpc.ConfigServiceImplBase() {
      @Override
      public void watch(WatchRequest request, StreamObserver<WatchResponse> out) {
        for (WatchResponse response : responses) {
          out.onNext(response);
        }
      }
    }).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    Heard heard = new Heard();
    new ConfigSession(channel, "test").watch(after, heard, timer);
    return heard;
  }

  private static WatchResponse events(long... ids) {
    ChangeBatch.Builder batch = ChangeBatch.newBuilder();
    for (long id : ids) {
      batch.addEvents(ChangeEvent.newBuilder().setEventId(id).setKind(ChangeKind.UPDATED));
    }
    return WatchResponse.newBuilder().setChanges(batch).build();
  }

  private static WatchResponse progress(long head) {
    return WatchResponse.newBuilder().setProgress(Progress.newBuilder().setHeadEventId(head)
        .setProgressIntervalMs(60_000)).build();
  }

  @Test
  void theNextEventsAndAProgressAtTheLastOneArePassedOn() throws Exception {
    Heard heard = watch(7, events(8, 9), events(10), progress(10));
    await().atMost(Duration.ofSeconds(10)).until(() -> heard.said.size() == 4);
    assertThat(heard.said).containsExactly("event 8", "event 9", "event 10", "progress 10");
    assertThat(heard.broken).isNull();
  }

  @Test
  void aGapEndsTheWatchBeforeAnythingOfItsBatchIsPassedOn() throws Exception {
    Heard heard = watch(7, events(8), events(9, 11), events(12));
    await().atMost(Duration.ofSeconds(10)).until(() -> heard.broken != null);
    assertThat(heard.said).containsExactly("event 8");
    assertThat(heard.broken.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(heard.broken.getDescription()).isEqualTo("the Config Server sent event 11 where 10 was next (watch"
        + " after event 7); nothing of it was applied");
  }

  @Test
  void anEventOlderThanTheWatchsPositionEndsIt() throws Exception {
    Heard heard = watch(7, events(5));
    await().atMost(Duration.ofSeconds(10)).until(() -> heard.broken != null);
    assertThat(heard.said).isEmpty();
    assertThat(heard.broken.getDescription()).startsWith("the Config Server sent event 5 where 8 was next");
  }

  /** Taken at its word, the consumer's next restore would ask for events after 1000 and never get 8 to 1000. */
  @Test
  void aProgressBeyondWhatWasSentEndsTheWatch() throws Exception {
    Heard heard = watch(7, progress(1000));
    await().atMost(Duration.ofSeconds(10)).until(() -> heard.broken != null);
    assertThat(heard.said).isEmpty();
    assertThat(heard.broken.getDescription()).startsWith("the Config Server said it sent everything up to event"
        + " 1000, and the last it sent is 7");
  }
}
