package io.tandem.common.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.tandem.events.v1.ListEventsRequest;
import io.tandem.events.v1.ServiceEvent;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import io.tandem.protocol.time.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A service's ring of recent events: what it keeps, what it lists, whom it tells. */
class RecentEventsTest {
  private static final Logger OWN = LoggerFactory.getLogger("io.tandem.statserver.reload.ReloadCoordinator");
  private static final Logger OTHER = LoggerFactory.getLogger("io.tandem.management.supervision.RedundancyLoop");

  private final ManualClock clock = new ManualClock(Instant.parse("2026-12-05T10:00:00Z"));
  private final RecentEvents events = new RecentEvents("stat-server", List.of("io.tandem.statserver."), clock, 3);

  @AfterEach
  void stop() {
    events.stop();
  }

  @Test
  void keepsTheServicesOwnEventsWithTheirFieldsNumberedInOrder() {
    events.start();
    EventLog.emit(OWN, LogEvent.NORMAL_RELOAD_STARTED, "application", "StatServer_A", "reason", "backup");
    EventLog.emit(OTHER, LogEvent.CONFIG_LOADED, "application", "MgmtLayer");
    clock.advance(Duration.ofMillis(5));
    EventLog.emit(OWN, LogEvent.NORMAL_RELOAD_FINISHED, "application", "StatServer_A", "objects", 10, "ms", 3);

    List<ServiceEvent> listed = events.list(ListEventsRequest.getDefaultInstance()).getEventsList();
    assertThat(listed).extracting(ServiceEvent::getId).as("another service's logger is not this one's")
        .containsExactly("02-10084", "02-10085");
    assertThat(listed).extracting(ServiceEvent::getPosition).containsExactly(1L, 2L);
    ServiceEvent finished = listed.get(1);
    assertThat(finished.getService()).isEqualTo("stat-server");
    assertThat(finished.getLevel()).isEqualTo("Std");
    assertThat(finished.getText()).isEqualTo(LogEvent.NORMAL_RELOAD_FINISHED.text());
    assertThat(finished.getAtMs()).isEqualTo(clock.millis());
    assertThat(finished.getFieldsList()).extracting(f -> f.getKey() + "=" + f.getValue())
        .containsExactly("application=StatServer_A", "objects=10", "ms=3");
  }

  @Test
  void holdsTheLastEventsOnlyAndListsFromAPositionOrATime() {
    events.start();
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofMillis(100));
      EventLog.emit(OWN, LogEvent.NORMAL_RELOAD_STARTED, "n", i);
    }
    var all = events.list(ListEventsRequest.getDefaultInstance());
    assertThat(all.getEventsList()).extracting(ServiceEvent::getPosition).containsExactly(3L, 4L, 5L);
    assertThat(all.getOldestPosition()).isEqualTo(3);
    assertThat(events.list(ListEventsRequest.newBuilder().setAfterPosition(4).build()).getEventsList())
        .extracting(ServiceEvent::getPosition).containsExactly(5L);
    assertThat(events.list(ListEventsRequest.newBuilder().setSinceMs(clock.millis() - 100).build())
        .getEventsList()).extracting(ServiceEvent::getPosition).containsExactly(4L, 5L);
  }

  @Test
  void aWatcherGetsWhatIsHeldThenEachNewEventAndOneThatFallsBehindIsEndedNamingWhereToResume() {
    events.start();
    EventLog.emit(OWN, LogEvent.NORMAL_RELOAD_STARTED, "n", 1);
    Watcher watcher = new Watcher();
    events.watch(ListEventsRequest.getDefaultInstance(), watcher);
    EventLog.emit(OWN, LogEvent.NORMAL_RELOAD_FINISHED, "n", 2);
    assertThat(watcher.received).extracting(ServiceEvent::getPosition).containsExactly(1L, 2L);

    watcher.ready = false;
    for (int i = 0; i < RecentEvents.UNREAD_ALLOWED; i++) {
      EventLog.emit(OWN, LogEvent.NORMAL_RELOAD_STARTED, "n", 3 + i);
    }
    assertThat(watcher.ended).as("a full window for a while is no reason to end it").isNull();
    EventLog.emit(OWN, LogEvent.NORMAL_RELOAD_STARTED, "n", "one too many");
    assertThat(watcher.ended.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    long lastSent = watcher.received.get(watcher.received.size() - 1).getPosition();
    assertThat(watcher.ended.getDescription()).contains("after_position " + lastSent);
    int sent = watcher.received.size();
    watcher.ready = true;
    EventLog.emit(OWN, LogEvent.NORMAL_RELOAD_FINISHED, "n", 4);
    assertThat(watcher.received).as("nothing after it was ended").hasSize(sent);
  }

  @Test
  void stoppedItHearsNothingMore() {
    events.start();
    events.stop();
    EventLog.emit(OWN, LogEvent.NORMAL_RELOAD_STARTED, "n", 1);
    assertThat(events.list(ListEventsRequest.getDefaultInstance()).getEventsList()).isEmpty();
  }

  /** A client's stream as the server sees it: ready or not, what it got, how it ended. */
  private static final class Watcher extends ServerCallStreamObserver<ServiceEvent> {
    final List<ServiceEvent> received = new ArrayList<>();
    boolean ready = true;
    Status ended;

    @Override
    public void onNext(ServiceEvent value) {
      received.add(value);
    }

    @Override
    public void onError(Throwable t) {
      ended = Status.fromThrowable(t);
    }

    @Override
    public void onCompleted() {
      ended = Status.OK;
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public void setOnCancelHandler(Runnable onCancelHandler) {
    }

    @Override
    public void setCompression(String compression) {
    }

    @Override
    public boolean isReady() {
      return ready;
    }

    @Override
    public void setOnReadyHandler(Runnable onReadyHandler) {
    }

    @Override
    public void request(int count) {
    }

    @Override
    public void setMessageCompression(boolean enable) {
    }

    @Override
    public void disableAutoInboundFlowControl() {
    }
  }
}
