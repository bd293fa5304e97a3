package io.tandem.protocol.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.util.Timestamps;
import io.tandem.protocol.time.ManualClock;
import io.tandem.config.v1.Agent;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ChangeKind;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class HistoryLogTest {
  private final ManualClock clock = new ManualClock();
  private final HistoryLog log = new HistoryLog(clock, 5, Duration.ofMinutes(10));

  private void append(long id) {
    log.append(ChangeEvent.newBuilder().setEventId(id).setKind(ChangeKind.CREATED)
        .setTime(Timestamps.fromMillis(clock.millis())).build());
  }

  private static HistoryLog.Events events(HistoryLog.Read read) {
    assertThat(read).isInstanceOf(HistoryLog.Events.class);
    return (HistoryLog.Events) read;
  }

  private static HistoryLog.Expired expired(HistoryLog.Read read) {
    assertThat(read).isInstanceOf(HistoryLog.Expired.class);
    return (HistoryLog.Expired) read;
  }

  @Test
  void readsWhatFollowsAPosition() {
    for (long id = 1; id <= 4; id++) {
      append(id);
    }
    assertThat(events(log.read(0, 100)).events()).extracting(ChangeEvent::getEventId).containsExactly(1L, 2L, 3L, 4L);
    assertThat(events(log.read(2, 1)).events()).extracting(ChangeEvent::getEventId).containsExactly(3L);
    assertThat(events(log.read(4, 100)).events()).isEmpty();
  }

  @Test
  void maxRecordsPurgesTheOldest() {
    for (long id = 1; id <= 12; id++) {
      append(id);
    }
    assertThat(log.records()).isEqualTo(5);
    assertThat(log.oldestRetained()).isEqualTo(8);
    assertThat(log.floor()).isEqualTo(7);
    assertThat(events(log.read(7, 100)).events()).hasSize(5);
    HistoryLog.Expired gone = expired(log.read(6, 100));
    assertThat(gone.oldestRetained()).isEqualTo(8);
    assertThat(gone.head()).isEqualTo(12);
    assertThat(gone.reason()).contains("purged");
  }

  @Test
  void expirationPurgesByAge() {
    append(1);
    clock.advance(Duration.ofMinutes(6));
    append(2);
    clock.advance(Duration.ofMinutes(5));
    assertThat(log.purge()).isEqualTo(1);
    assertThat(log.oldestRetained()).isEqualTo(2);
    clock.advance(Duration.ofMinutes(6));
    assertThat(log.purge()).isEqualTo(1);
    assertThat(log.records()).isZero();
    assertThat(log.oldestRetained()).isEqualTo(3);
    assertThat(events(log.read(2, 10)).events()).as("a client at the head needs nothing").isEmpty();
  }

  @Test
  void connectedClientsPinWhatTheyHaveNotBeenSentYet() {
    java.util.concurrent.atomic.AtomicLong slowest = new java.util.concurrent.atomic.AtomicLong(2);
    log.setLiveFloor(slowest::get);
    for (long id = 1; id <= 12; id++) {
      append(id);
    }
    assertThat(log.records()).as("events after 2 are pinned").isEqualTo(10);
    assertThat(events(log.read(2, 100)).events()).hasSize(10);
    slowest.set(12);
    assertThat(log.purge()).isEqualTo(5);
    assertThat(log.records()).isEqualTo(5);
  }

  @Test
  void whatConnectedClientsPinIsCappedInBytes() {
    log.setLiveFloor(() -> 0); // a watcher that reads nothing
    // Every event carries the same 1 MiB string: this test's heap holds it once.
    String mebibyte = "x".repeat(1 << 20);
    int mebibytes = (int) (HistoryLog.LIVE_CAP_BYTES >> 20);
    for (long id = 1; id <= mebibytes + 10; id++) {
      log.append(ChangeEvent.newBuilder().setEventId(id).setKind(ChangeKind.CREATED)
          .setTime(Timestamps.fromMillis(clock.millis()))
          .setObject(ConfigObject.newBuilder().setType(ObjectType.AGENT).setName("a" + id)
              .setAgent(Agent.newBuilder().setEmployeeId(mebibyte))).build());
    }
    assertThat(log.records()).as("events of 1 MiB held for a watcher that reads nothing")
        .isLessThan(mebibytes).isGreaterThanOrEqualTo(5);
    assertThat(expired(log.read(0, 10)).reason()).contains("purged");
  }

  @Test
  void newLimitsApplyAtOnce() {
    for (long id = 1; id <= 5; id++) {
      append(id);
    }
    assertThat(log.setLimits(2, Duration.ofMinutes(10))).isEqualTo(3);
    assertThat(log.oldestRetained()).isEqualTo(4);
  }

  @Test
  void aPositionAheadOfTheHeadIsExpired() {
    append(1);
    assertThat(expired(log.read(9, 10)).reason()).contains("ahead of the head 1");
  }

  @Test
  void aResetEmptiesTheLogAndExpiresEveryEarlierPosition() {
    for (long id = 1; id <= 3; id++) {
      append(id);
    }
    log.reset(4);
    assertThat(log.head()).isEqualTo(4);
    assertThat(log.records()).isZero();
    HistoryLog.Expired atOldHead = expired(log.read(3, 10));
    assertThat(atOldHead.reason()).contains("emptied at event 4");
    assertThat(events(log.read(4, 10)).events()).isEmpty();
    append(5);
    assertThat(events(log.read(4, 10)).events()).extracting(ChangeEvent::getEventId).containsExactly(5L);
  }

  @Test
  void eventsMustFollowTheHead() {
    append(1);
    assertThatThrownBy(() -> append(3)).hasMessageContaining("does not follow head 1");
  }

  @Test
  void theRingGrowsPastItsInitialSize() {
    HistoryLog big = new HistoryLog(clock, 10_000, Duration.ofDays(1));
    for (long id = 1; id <= 1000; id++) {
      big.append(ChangeEvent.newBuilder().setEventId(id).setTime(Timestamps.fromMillis(clock.millis())).build());
    }
    assertThat(events(big.read(500, 1000)).events()).extracting(ChangeEvent::getEventId)
        .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(501, 1000).boxed().toList());
  }

  @Test
  void aSavedLogRestoresToTheSameAnswers() {
    for (long id = 1; id <= 12; id++) {
      append(id);
    }
    HistoryLog restored = new HistoryLog(clock, 5, Duration.ofMinutes(10));
    restored.restore(log.events(), log.floor(), log.head(), log.lastResetId());
    assertThat(events(restored.read(7, 100)).events()).isEqualTo(events(log.read(7, 100)).events());
    assertThat(expired(restored.read(6, 100))).isEqualTo(expired(log.read(6, 100)));
    restored.append(ChangeEvent.newBuilder().setEventId(13).setKind(ChangeKind.CREATED)
        .setTime(Timestamps.fromMillis(clock.millis())).build());
    assertThat(restored.oldestRetained()).isEqualTo(9);
  }

  @Test
  void aRestoredLogStillKnowsItWasEmptied() {
    append(1);
    log.reset(2);
    append(3);
    HistoryLog restored = new HistoryLog(clock, 5, Duration.ofMinutes(10));
    restored.restore(log.events(), log.floor(), log.head(), log.lastResetId());
    assertThat(expired(restored.read(1, 100)).reason()).isEqualTo("the history log was emptied at event 2");
  }

  @Test
  void aRestoreWhoseEventsDoNotCoverFloorToHeadIsRefused() {
    for (long id = 1; id <= 4; id++) {
      append(id);
    }
    HistoryLog restored = new HistoryLog(clock, 5, Duration.ofMinutes(10));
    assertThatThrownBy(() -> restored.restore(log.events(), 1, 4, -1)).hasMessageContaining("cannot cover ids 2 to 4");
    assertThatThrownBy(() -> restored.restore(log.events().subList(1, 4), 0, 3, -1))
        .hasMessageContaining("history event 2 where 1 belongs");
  }

  @Test
  void aSnapshotTakenWhilePurgesRunAlwaysRestores() throws Exception {
    HistoryLog expiring = new HistoryLog(clock, 1_000_000, Duration.ofMillis(100));
    long id = 0;
    for (; id < 2000; id++) {
      expiring.append(ChangeEvent.newBuilder().setEventId(id + 1).setKind(ChangeKind.CREATED)
          .setTime(Timestamps.fromMillis(clock.millis())).build());
      clock.advance(Duration.ofMillis(1));
    }
    java.util.concurrent.atomic.AtomicBoolean purging = new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread purger = new Thread(() -> {
      while (purging.get()) {
        clock.advance(Duration.ofMillis(1));
        expiring.purge();
      }
    });
    purger.start();
    try {
      for (int i = 0; i < 2000; i++) {
        // Each snapshot is one cut, floor and events together, whatever the purger does meanwhile.
        expiring.snapshot().verify();
      }
    } finally {
      purging.set(false);
      purger.join();
    }
    assertThat(expiring.records()).as("the purges did run").isLessThan(2000);
  }
}
