package io.tandem.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.tandem.common.security.TransportSecurity;
import io.tandem.common.testing.TestPki;
import io.tandem.config.v1.ObjectType;
import io.tandem.stat.v1.Notification;
import io.tandem.stat.v1.NotificationMode;
import io.tandem.stat.v1.OpenStatisticRequest;
import io.tandem.stat.v1.Role;
import io.tandem.stat.v1.StatObject;
import io.tandem.stat.v1.StatisticType;
import io.tandem.stat.v1.StatisticValue;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An open statistic that follows the pair: when it moves, and when it ends for good. */
class StatisticSubscriptionTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int OTHER_OPEN_STATISTICS = 100;
  private static final OpenStatisticRequest OPEN = OpenStatisticRequest.newBuilder()
      .setObject(StatObject.newBuilder().setType(ObjectType.QUEUE).setName("q"))
      .setStatistic(StatisticType.CURRENT_WAITING_CALLS).build();

  private final TransportSecurity security = TestPki.shared().security("client");
  private FakeMember primary;
  private FakeMember backup;
  private WarmStandbyClient client;
  private final RecordingListener listener = new RecordingListener();

  @BeforeEach
  void start() throws Exception {
    primary = new FakeMember("primary", Role.PRIMARY);
    backup = new FakeMember("backup", Role.BACKUP);
    client = new WarmStandbyClient(primary.member(), backup.member(), security);
    await("the client knows the primary").atMost(WAIT).until(() -> client.candidates().get(0).address
        .equals(primary.address()) && client.candidates().get(0).primary());
  }

  @AfterEach
  void stop() throws Exception {
    // Preemptively: a client whose threads deadlocked would hang here instead of reporting it.
    assertTimeoutPreemptively(WAIT, client::close, "closing the client");
    security.close();
    primary.close();
    backup.close();
  }

  private StatisticSubscription openOnPrimary(OpenStatisticRequest request) {
    StatisticSubscription subscription = client.openStatistic(request, listener);
    await().atMost(WAIT).until(() -> !listener.values.isEmpty());
    assertThat(listener.last().getStatisticId()).isEqualTo("primary");
    return subscription;
  }

  @Test
  void aStreamEndedByItsMemberIsOpenedAgainAtOnceOnTheOther() {
    StatisticSubscription subscription = openOnPrimary(OPEN);
    primary.openStreams.get(0).onError(Status.UNAVAILABLE
        .withDescription("not accepting clients: reloading configuration").asRuntimeException());
    await("values from the backup").atMost(WAIT).until(() -> listener.last().getStatisticId().equals("backup"));
    assertThat(subscription.reopens()).isEqualTo(1);
    assertThat(listener.ended).as("the caller is not told: the statistic goes on").isEmpty();
    subscription.close();
  }

  @Test
  void aLastValueWithAClosedReasonEndsTheSubscriptionForGood() {
    StatisticSubscription subscription = openOnPrimary(OPEN);
    var stream = primary.openStreams.get(0);
    stream.onNext(primary.value().toBuilder().setClosedReason("Queue 'q' deleted from configuration").build());
    stream.onCompleted();
    await().atMost(WAIT).until(() -> !listener.ended.isEmpty());
    assertThat(listener.ended).containsExactly("Queue 'q' deleted from configuration");
    assertThat(subscription.reopens()).isZero();
    assertThat(primary.opens.get() + backup.opens.get()).as("not opened again").isEqualTo(1);
  }

  @Test
  void aRefusedRequestEndsTheSubscriptionWithTheRefusal() {
    primary.refuseOpens = Status.NOT_FOUND.withDescription("object: no Queue 'q' in the configuration");
    StatisticSubscription subscription = client.openStatistic(OPEN, listener);
    await().atMost(WAIT).until(() -> !listener.ended.isEmpty());
    assertThat(listener.ended).singleElement().asString().contains("NOT_FOUND", "no Queue 'q' in the configuration");
    assertThat(subscription.reopens()).isZero();
    assertThat(backup.opens.get()).as("a refusal is not worth another member").isZero();
  }

  /**
   * Moved to a member at its cap of statistics per connection, the statistic ended for good,
   * though the primary served again and the member had room later.
   */
  @Test
  void aMemberOutOfRoomForStatisticsIsNoEndTheStatisticOpensAgainWhereItCan() {
    StatisticSubscription subscription = openOnPrimary(OPEN);
    backup.refuseOpens = Status.RESOURCE_EXHAUSTED.withDescription("at most 10000 open statistics per connection");
    primary.refuseOpens = Status.INTERNAL.withDescription("a member's own trouble");
    primary.openStreams.get(0).onError(Status.UNAVAILABLE.withDescription("reloading").asRuntimeException());
    await("tried on both").atMost(WAIT).until(() -> backup.opens.get() >= 1 && primary.opens.get() >= 2);
    backup.refuseOpens = null;
    // Refusals for a member's state are asked again from 1 s up to every 30 s.
    await("values from the backup once it has room").atMost(Duration.ofMinutes(2))
        .until(() -> listener.last().getStatisticId().equals("backup"));
    assertThat(listener.ended).as("the caller is not told: the statistic goes on").isEmpty();
    subscription.close();
  }

  @Test
  void closingItClosesTheStatisticOnTheMemberThatHasIt() {
    StatisticSubscription subscription = openOnPrimary(OPEN);
    subscription.close();
    assertThat(primary.closed).containsExactly("primary");
    assertThat(backup.closed).isEmpty();
    var stream = (io.grpc.stub.ServerCallStreamObserver<?>) primary.openStreams.get(0);
    await("its stream is cancelled").atMost(WAIT).until(stream::isCancelled);
    assertThat(listener.ended).as("closing is the caller's own doing: nothing to tell it").isEmpty();
  }

  @Test
  void aPeriodicStatisticSilentForTwoPeriodsAndASecondMovesToTheOtherMember() {
    StatisticSubscription subscription = openOnPrimary(OPEN.toBuilder().setNotification(Notification.newBuilder()
        .setMode(NotificationMode.PERIODICAL).setPeriodSeconds(1)).build());
    // The primary still answers everything else; it just never sends this statistic another value.
    await("reopened on the backup").atMost(WAIT).until(() -> listener.last().getStatisticId().equals("backup"));
    assertThat(subscription.reopens()).isEqualTo(1);
    assertThat(listener.ended).isEmpty();
    subscription.close();
  }

  @Test
  void periodicStatisticsGoingSilentTogetherMoveToTheOtherMember() throws Exception {
    OpenStatisticRequest periodic = OPEN.toBuilder().setNotification(Notification.newBuilder()
        .setMode(NotificationMode.PERIODICAL).setPeriodSeconds(1)).build();
    RecordingListener first = new RecordingListener();
    RecordingListener second = new RecordingListener();
    client.openStatistic(periodic, first);
    client.openStatistic(periodic, second);
    RecordingListener others = new RecordingListener();
    for (int i = 0; i < OTHER_OPEN_STATISTICS; i++) {
      client.openStatistic(OPEN, others);
    }
    await("a value of each from the primary").atMost(WAIT).until(() -> !first.values.isEmpty()
        && !second.values.isEmpty() && others.values.size() == OTHER_OPEN_STATISTICS);
    long lastValue = System.nanoTime();

    // The primary sends neither periodic statistic another value while the client's two threads
    // are busy (as behind members slow to answer): once free, they find both statistics silent at
    // the same moment and each moves one of them, with everything else open on the primary.
    CountDownLatch free = occupyTheClientsThreads();
    await("the periodic statistics silent past their limit, two periods and a second").atMost(WAIT)
        .until(() -> System.nanoTime() - lastValue > TimeUnit.MILLISECONDS.toNanos(3_500));
    free.countDown();

    await("every statistic on the backup").atMost(WAIT)
        .failFast("the client's threads deadlocked", () -> assertThat(deadlockedThreads()).isEmpty())
        .until(() -> first.last().getStatisticId().equals("backup") && second.last().getStatisticId().equals("backup")
            && others.values.stream().filter(v -> v.getStatisticId().equals("backup")).count() == OTHER_OPEN_STATISTICS);
    assertThat(first.ended).isEmpty();
    assertThat(second.ended).isEmpty();
  }

  @Test
  void statisticsMovedOffAStalledMemberReopenOnTheOtherEvenIfItAnswersMeanwhile() throws Exception {
    RecordingListener others = new RecordingListener();
    for (int i = 0; i < OTHER_OPEN_STATISTICS; i++) {
      client.openStatistic(OPEN, others);
    }
    await("a value of each from the primary").atMost(WAIT)
        .until(() -> others.values.size() == OTHER_OPEN_STATISTICS);
    PairMember stalledMember = client.candidates().get(0);
    assertThat(stalledMember.address).isEqualTo(primary.address());

    // The client's two threads are busy, so the statistics moved off the stalled primary wait to
    // be opened again; meanwhile the primary answers something (its next liveness check).
    CountDownLatch free = occupyTheClientsThreads();
    stalledMember.markSuspect();
    stalledMember.answered();
    free.countDown();

    await("a second value of each").atMost(WAIT).until(() -> others.values.size() == 2 * OTHER_OPEN_STATISTICS);
    assertThat(others.values.subList(OTHER_OPEN_STATISTICS, 2 * OTHER_OPEN_STATISTICS))
        .extracting(StatisticValue::getStatisticId)
        .as("the member each moved statistic was opened again on").containsOnly("backup");
    assertThat(others.ended).isEmpty();
  }

  /** Keeps both threads of the client busy until the returned latch is counted down. */
  private CountDownLatch occupyTheClientsThreads() {
    CountDownLatch busy = new CountDownLatch(2);
    CountDownLatch free = new CountDownLatch(1);
    for (int i = 0; i < 2; i++) {
      var unused = client.scheduler().submit(() -> {
        busy.countDown();
        return free.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      });
    }
    await("both threads of the client busy").atMost(WAIT).until(() -> busy.getCount() == 0);
    return free;
  }

  /** Threads waiting for each other's locks, named, with where they are stuck. */
  private static String deadlockedThreads() {
    var threads = ManagementFactory.getThreadMXBean();
    long[] ids = threads.findDeadlockedThreads();
    if (ids == null) {
      return "";
    }
    return Arrays.stream(threads.getThreadInfo(ids, Integer.MAX_VALUE))
        .map(ThreadInfo::toString).collect(Collectors.joining());
  }
}
