package io.tandem.configserver;

import static io.tandem.configserver.Objects.agent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.tandem.common.logging.RateLimitedLog;
import io.tandem.protocol.log.LogCapture;
import io.tandem.config.v1.Application;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.CreateObjectRequest;
import io.tandem.config.v1.DropSessionsRequest;
import io.tandem.config.v1.ExpireHistoryRequest;
import io.tandem.config.v1.GetHistoryInfoRequest;
import io.tandem.config.v1.HistoryInfo;
import io.tandem.config.v1.ListObjectsRequest;
import io.tandem.config.v1.ObjectBatch;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.OptionSection;
import io.tandem.config.v1.SetOptionRequest;
import io.tandem.config.v1.WatchRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatchApiTest {
  @TempDir
  Path dataDir;

  private ConfigServerFixture server;
  private final List<WatchRecorder> watchers = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    server = ConfigServerFixture.start(dataDir);
    // The server's own Application object: its options apply to the history log.
    server.blocking.createObject(CreateObjectRequest.newBuilder().setObject(ConfigObject.newBuilder()
        .setType(ObjectType.APPLICATION).setName("confserv")
        .setApplication(Application.newBuilder().setAppType(ApplicationType.CONFIG_SERVER)
            .putOptions("confserv", OptionSection.newBuilder().putValues("progress-interval", "100").build())))
        .build());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private void createAgents(int from, int to) {
    for (int i = from; i <= to; i++) {
      server.blocking.createObject(CreateObjectRequest.newBuilder().setObject(agent("a" + i)).build());
    }
  }

  private WatchRecorder watch(long after) {
    WatchRecorder recorder = new WatchRecorder();
    server.async.watch(WatchRequest.newBuilder().setAfterEventId(after).setClientName("test").build(), recorder);
    watchers.add(recorder);
    return recorder;
  }

  private HistoryInfo info() {
    return server.blocking.getHistoryInfo(GetHistoryInfoRequest.getDefaultInstance());
  }

  private void setOption(String section, String key, String value) {
    server.blocking.setOption(SetOptionRequest.newBuilder().setApplication("confserv").setSection(section)
        .setKey(key).setValue(value).build());
  }

  private static List<Long> ids(List<ChangeEvent> events) {
    return events.stream().map(ChangeEvent::getEventId).toList();
  }

  @Test
  void resumeReplaysTheMissedChangesInOrderThenStreamsLiveOnes() {
    createAgents(1, 5); // events 2..6
    WatchRecorder watcher = watch(3);
    await().atMost(Duration.ofSeconds(5)).until(() -> watcher.events.size() == 3);
    assertThat(ids(watcher.events)).containsExactly(4L, 5L, 6L);
    assertThat(watcher.replayFlags).containsOnly(true);
    createAgents(6, 7);
    await().atMost(Duration.ofSeconds(5)).until(() -> watcher.events.size() == 5);
    assertThat(ids(watcher.events)).containsExactly(4L, 5L, 6L, 7L, 8L);
    assertThat(watcher.replayFlags.get(watcher.replayFlags.size() - 1)).isFalse();
    assertThat(watcher.events.get(3).getObject().getName()).isEqualTo("a6");
    assertThat(watcher.expired).isNull();
  }

  @Test
  void anIdleWatcherGetsProgressNotificationsCarryingTheHead() {
    createAgents(1, 2);
    WatchRecorder watcher = watch(info().getHeadEventId());
    await().atMost(Duration.ofSeconds(5)).until(() -> watcher.progress.size() >= 3);
    assertThat(watcher.progress).containsOnly(3L);
    assertThat(watcher.events).isEmpty();
  }

  @Test
  void aPurgedPositionGetsHistoryLogExpiredAndTheStreamEnds() {
    setOption("history-log", "max-records", "3"); // event 2
    createAgents(1, 10); // events 3..12
    WatchRecorder watcher = watch(5);
    await().atMost(Duration.ofSeconds(5)).until(watcher::ended);
    assertThat(watcher.completed).isTrue();
    assertThat(watcher.events).isEmpty();
    assertThat(watcher.expired.getOldestRetainedEventId()).isEqualTo(10);
    assertThat(watcher.expired.getHeadEventId()).isEqualTo(12);
    assertThat(watcher.expired.getRequestedAfterEventId()).isEqualTo(5);
    assertThat(watcher.expired.getReason()).contains("purged");
    WatchRecorder lastRestorable = watch(9);
    await().atMost(Duration.ofSeconds(5)).until(() -> lastRestorable.events.size() == 3);
    assertThat(lastRestorable.expired).isNull();
  }

  @Test
  void aPositionAheadOfTheHeadGetsHistoryLogExpired() {
    createAgents(1, 2);
    WatchRecorder watcher = watch(50);
    await().atMost(Duration.ofSeconds(5)).until(watcher::ended);
    assertThat(watcher.expired.getReason()).contains("ahead of the head 3");
    assertThat(watcher.expired.getHeadEventId()).isEqualTo(3);
  }

  @Test
  void historyOptionsApplyImmediately() {
    createAgents(1, 6); // events 2..7
    setOption("history-log", "max-records", "2"); // event 8
    assertThat(info().getOldestRetainedEventId()).isEqualTo(7);
    assertThat(info().getMaxRecords()).isEqualTo(2);
    WatchRecorder watcher = watch(1);
    await().atMost(Duration.ofSeconds(5)).until(watcher::ended);
    assertThat(watcher.expired).isNotNull();

    setOption("history-log", "max-records", "1000");
    setOption("history-log", "expiration", "300ms");
    await().atMost(Duration.ofSeconds(10)).until(() -> info().getRecords() == 0);
    assertThat(info().getExpirationMs()).isEqualTo(300);
  }

  @Test
  void expireHistoryEndsEverySessionAndEveryOldPositionExpires() {
    createAgents(1, 3); // events 2..4
    WatchRecorder live = watch(4);
    await().atMost(Duration.ofSeconds(5)).until(() -> !live.progress.isEmpty());

    HistoryInfo after = server.blocking.expireHistory(ExpireHistoryRequest.getDefaultInstance());
    assertThat(after.getHeadEventId()).isEqualTo(5);
    assertThat(after.getRecords()).isZero();
    assertThat(after.getOldestRetainedEventId()).isEqualTo(6);

    await().atMost(Duration.ofSeconds(5)).until(live::ended);
    assertThat(live.expired).as("as a restart that lost history: live sessions end too").isNotNull();
    assertThat(live.expired.getReason()).contains("emptied");

    for (long old : List.of(2L, 4L)) {
      WatchRecorder resumed = watch(old);
      await().atMost(Duration.ofSeconds(5)).until(resumed::ended);
      assertThat(resumed.expired).as("resume after %d", old).isNotNull();
    }

    Iterator<ObjectBatch> snapshot = server.blocking.listObjects(ListObjectsRequest.getDefaultInstance());
    long consistentAt = 0;
    while (snapshot.hasNext()) {
      consistentAt = snapshot.next().getConsistentAtEventId();
    }
    assertThat(consistentAt).isEqualTo(5);
    WatchRecorder fresh = watch(consistentAt);
    await().atMost(Duration.ofSeconds(5)).until(() -> !fresh.progress.isEmpty());
    createAgents(4, 4); // event 6
    await().atMost(Duration.ofSeconds(5)).until(() -> fresh.events.size() == 1);
    assertThat(ids(fresh.events)).containsExactly(6L);
    assertThat(fresh.expired).isNull();
  }

  @Test
  void dropSessionsEndsEveryWatchWithUnavailable() {
    WatchRecorder a = watch(1);
    WatchRecorder b = watch(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> info().getClientsCount() == 2);
    int dropped = server.blocking.dropSessions(DropSessionsRequest.getDefaultInstance()).getSessionsDropped();
    assertThat(dropped).isEqualTo(2);
    await().atMost(Duration.ofSeconds(5)).until(() -> a.ended() && b.ended());
    assertThat(Status.fromThrowable(a.error).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(Status.fromThrowable(a.error).getDescription()).contains("dropped by operator");
    await().atMost(Duration.ofSeconds(5)).until(() -> info().getClientsCount() == 0);
  }

  @Test
  void eventIdsAreGapFreeAndSurviveARestartWithTheirHistory() throws Exception {
    createAgents(1, 20); // events 2..21
    server.close();
    server = ConfigServerFixture.start(dataDir);
    assertThat(info().getHeadEventId()).isEqualTo(21);
    WatchRecorder watcher = watch(10);
    await().atMost(Duration.ofSeconds(5)).until(() -> watcher.events.size() == 11);
    createAgents(21, 21);
    await().atMost(Duration.ofSeconds(5)).until(() -> watcher.events.size() == 12);
    assertThat(ids(watcher.events)).containsExactlyElementsOf(LongStream.rangeClosed(11, 22).boxed().toList());
  }

  @Test
  void aRestartWithEmptyHistoryExpiresEveryResume() throws Exception {
    createAgents(1, 3);
    long head = info().getHeadEventId();
    server.close();
    server = ConfigServerFixture.start(dataDir, null, true);
    assertThat(info().getHeadEventId()).isEqualTo(head + 1);
    for (long old : List.of(1L, head)) {
      WatchRecorder resumed = watch(old);
      await().atMost(Duration.ofSeconds(5)).until(resumed::ended);
      assertThat(resumed.expired).as("resume after %d", old).isNotNull();
    }
    assertThat(server.blocking.listObjects(ListObjectsRequest.newBuilder().addTypes(ObjectType.AGENT).build()))
        .toIterable().flatExtracting(ObjectBatch::getObjectsList).hasSize(3);
  }

  @Test
  void restoredSessionsAndHistoryLogExpiredAreRateLimitedLikeOtherPerRequestEvents() {
    createAgents(1, 2);
    int clients = RateLimitedLog.BURST + 10;
    try (LogCapture log = new LogCapture("io.tandem.configserver.watch.WatchSession")) {
      // In rounds of 5 + 5: a connection may hold 16 watches at once.
      for (int round = 0; round < clients / 5; round++) {
        List<WatchRecorder> restoring = IntStream.range(0, 5).mapToObj(i -> watch(1)).toList();
        List<WatchRecorder> expiring = IntStream.range(0, 5).mapToObj(i -> watch(1000)).toList();
        await().atMost(Duration.ofSeconds(30)).until(() -> restoring.stream().allMatch(w -> !w.progress.isEmpty())
            && expiring.stream().allMatch(WatchRecorder::ended));
        assertThat(expiring).allSatisfy(w -> assertThat(w.expired).isNotNull());
        restoring.forEach(WatchRecorder::cancel);
        await().atMost(Duration.ofSeconds(30)).until(() -> info().getClientsCount() == 0);
      }
      assertThat(log.withId("21-20012")).as("sessions restored, %d clients", clients)
          .hasSizeLessThanOrEqualTo(RateLimitedLog.BURST);
      assertThat(log.withId("21-20013")).as("HistoryLogExpired sent, %d clients", clients)
          .hasSizeLessThanOrEqualTo(RateLimitedLog.BURST);
    }
  }
}
