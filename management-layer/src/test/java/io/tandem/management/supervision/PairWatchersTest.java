package io.tandem.management.supervision;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.MemberStatus;
import io.tandem.management.v1.PairStatus;
import io.tandem.management.v1.PairsStatus;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What waits for each watcher of the pairs, with transports that take what a test lets them. */
class PairWatchersTest {
  private final PairWatchers watchers = new PairWatchers();

  private static PairsStatus status(AppStatus status, long heartbeatMs) {
    return PairsStatus.newBuilder().setAsOf(Timestamps.fromMillis(heartbeatMs)).addPairs(PairStatus.newBuilder()
        .addMembers(MemberStatus.newBuilder().setApplication("A").setStatus(status)
            .setLastHeartbeat(Timestamps.fromMillis(heartbeatMs)))).build();
  }

  @Test
  void aStatusThatChangedOnlyHeartbeatTimesIsNotSent() {
    RecordingServerStream<PairsStatus> watcher = new RecordingServerStream<PairsStatus>();
    watchers.add(watcher, "10.0.0.1:1", status(AppStatus.RUNNING, 0));
    watchers.publish(status(AppStatus.RUNNING, 0));
    for (long ms = 100; ms <= 1_000; ms += 100) {
      watchers.publish(status(AppStatus.RUNNING, ms));
    }
    assertThat(watcher.sent).hasSize(1);
    watchers.publish(status(AppStatus.SERVICE_UNAVAILABLE, 1_100));
    assertThat(watcher.sent).hasSize(2).last().satisfies(s ->
        assertThat(s.getPairs(0).getMembers(0).getStatus()).isEqualTo(AppStatus.SERVICE_UNAVAILABLE));
  }

  @Test
  void aWatcherThatCannotTakeMoreGetsEveryChangeInOrderOnceItCan() {
    RecordingServerStream<PairsStatus> watcher = new RecordingServerStream<PairsStatus>();
    watcher.ready = false;
    watchers.add(watcher, "10.0.0.1:1", status(AppStatus.INITIALIZING, 0));
    watchers.publish(status(AppStatus.RUNNING, 1));
    watchers.publish(status(AppStatus.SERVICE_UNAVAILABLE, 2));
    assertThat(watcher.sent).isEmpty();
    assertThat(watchers.waiting()).isEqualTo(3);

    watcher.ready = true;
    watchers.ready(watcher);
    assertThat(watcher.sent).extracting(s -> s.getPairs(0).getMembers(0).getStatus())
        .containsExactly(AppStatus.INITIALIZING, AppStatus.RUNNING, AppStatus.SERVICE_UNAVAILABLE);
    assertThat(watchers.waiting()).isZero();
  }

  @Test
  void aWatcherThatNeverReadsHoldsAtMostTheLimitAndIsDroppedWithTheReason() {
    RecordingServerStream<PairsStatus> stuck = new RecordingServerStream<PairsStatus>();
    stuck.ready = false;
    RecordingServerStream<PairsStatus> reading = new RecordingServerStream<PairsStatus>();
    watchers.add(stuck, "10.0.0.1:1", status(AppStatus.INITIALIZING, 0));
    watchers.add(reading, "10.0.0.2:2", status(AppStatus.INITIALIZING, 0));
    int most = 0;
    for (int i = 1; i <= 10_000; i++) {
      watchers.publish(status(i % 2 == 0 ? AppStatus.INITIALIZING : AppStatus.RUNNING, i));
      most = Math.max(most, watchers.waiting());
    }
    assertThat(most).as("statuses waiting at the most").isEqualTo(PairWatchers.MAX_WAITING);
    assertThat(watchers.waiting()).as("once it is dropped").isZero();
    assertThat(stuck.ended.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(stuck.ended.getDescription()).contains("did not read " + PairWatchers.MAX_WAITING + " pair statuses");
    assertThat(stuck.sent).isEmpty();
    assertThat(reading.sent).as("a watcher that reads gets every change").hasSize(10_001);
    assertThat(reading.ended).isNull();
  }

  @Test
  void endingEveryWatchReachesTheOthersWhenSomeAreAlreadyGone() {
    List<RecordingServerStream<PairsStatus>> live = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      RecordingServerStream<PairsStatus> watcher = new RecordingServerStream<PairsStatus>();
      watcher.gone = i % 2 == 0;
      if (!watcher.gone) {
        live.add(watcher);
      }
      watchers.add(watcher, "10.0.0." + i + ":1", status(AppStatus.RUNNING, 0));
    }
    watchers.endAll(io.grpc.Status.UNAVAILABLE.withDescription("stands by"));
    assertThat(live).allSatisfy(w -> assertThat(w.ended.getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE));
    assertThat(watchers.count()).isZero();
  }
}
