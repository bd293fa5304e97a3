package io.tandem.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tandem.common.security.TransportSecurity;
import io.tandem.common.testing.TestPki;

import io.tandem.config.v1.ObjectType;
import io.tandem.stat.v1.GetStatisticRequest;
import io.tandem.stat.v1.OpenStatisticRequest;
import io.tandem.stat.v1.Role;
import io.tandem.stat.v1.StatObject;
import io.tandem.stat.v1.StatisticSpec;
import io.tandem.stat.v1.StatisticType;
import io.tandem.stat.v1.StatisticValue;
import io.tandem.protocol.link.HostPort;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The warm-standby client against two stand-in members on real loopback ports, one of which
 * freezes: calls and open statistics route around the frozen one.
 */
class WarmStandbyClientTest {
  private final TransportSecurity security = TestPki.shared().security("client");
  private static final Duration WAIT = Duration.ofSeconds(30);
  /** Long enough that no call here fails for lack of time, however busy the machine. */
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final GetStatisticRequest GET = GetStatisticRequest.newBuilder().setSpec(StatisticSpec.newBuilder()
      .setObject(StatObject.newBuilder().setType(ObjectType.QUEUE).setName("q"))
      .setStatistic(StatisticType.CURRENT_WAITING_CALLS)).build();

  private FakeMember primary;
  private FakeMember backup;
  private WarmStandbyClient client;

  @BeforeEach
  void start() throws Exception {
    primary = new FakeMember("primary", Role.PRIMARY);
    backup = new FakeMember("backup", Role.BACKUP);
    client = new WarmStandbyClient(primary.member(), backup.member(), security);
    await("the client sees the primary").atMost(WAIT)
        .until(() -> client.getStatistic(GET, DEADLINE).getStatisticId().equals("primary"));
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    security.close();
    primary.close();
    backup.close();
  }

  @Test
  void awaitServingReturnsOnceAMemberServesAndFalseWhileNoneAnswers() throws Exception {
    assertThat(client.awaitServing(WAIT)).isTrue();
    // Two ports that take connections and never answer them.
    try (ServerSocket first = new ServerSocket(0); ServerSocket second = new ServerSocket(0);
         WarmStandbyClient silent = new WarmStandbyClient(
             new WarmStandbyClient.Member(FakeMember.APPLICATION, HostPort.local(first.getLocalPort())),
             new WarmStandbyClient.Member(FakeMember.APPLICATION, HostPort.local(second.getLocalPort())), security)) {
      assertThat(silent.awaitServing(Duration.ofMillis(300))).isFalse();
    }
  }

  @Test
  void aMemberPresentingAnotherApplicationsCertificateIsNeverCalled() throws Exception {
    // The stand-in says it is primary at StatServer_B's address, with StatServer_A's certificate.
    try (FakeMember impostor = new FakeMember("impostor", Role.PRIMARY);
         WarmStandbyClient pair = new WarmStandbyClient(backup.member(),
             new WarmStandbyClient.Member("StatServer_B", impostor.address()), security)) {
      for (int i = 0; i < 20; i++) {
        assertThat(pair.getStatistic(GET, DEADLINE).getStatisticId()).isEqualTo("backup");
      }
      assertThat(impostor.gets).as("calls the impostor got").hasValue(0);
    }
  }

  @Test
  void callsGoToThePrimary() {
    // The backup holds its answers: on a busy machine a call slower than the hedge delay is also
    // sent to the backup, and a hedge that won would make the primary look slow for the next call.
    // What is judged here is where calls go first, so no hedge may win.
    backup.freeze(true);
    long before = client.callsByMember().get(0).firstChoice();
    for (int i = 0; i < 20; i++) {
      assertThat(client.getStatistic(GET, DEADLINE).getStatisticId()).isEqualTo("primary");
    }
    assertThat(client.callsByMember().get(0).firstChoice() - before).as("calls sent to the primary first").isEqualTo(20);
    assertThat(client.callsByMember().get(1).firstChoice()).as("calls sent to the backup first").isZero();
    await("GetStatistic on the backup: hedges only").atMost(WAIT)
        .until(() -> backup.gets.get() == client.callsByMember().get(1).hedges());
  }

  @Test
  void aCallToAFrozenPrimaryIsHedgedToTheBackupWhileTheFirstAttemptIsStillWaiting() {
    primary.freeze(true);
    long hedges = client.callsByMember().get(1).hedges();
    StatisticValue value = client.getStatistic(GET, DEADLINE);
    assertThat(value.getStatisticId()).isEqualTo("backup");
    assertThat(client.callsByMember().get(1).hedges()).as("hedges sent to the backup").isGreaterThan(hedges);
    assertThat(primary.held).as("the primary's attempt, still unanswered when the backup answered").isNotEmpty();
  }

  @Test
  void aFrozenMemberFoundStalledGetsNoMoreHedgesAndNoCallWaitsOnIt() {
    // Every answer of the backup comes after the longest hedge delay, so every call is hedged to the
    // frozen primary until it lets an attempt reach its deadline (a member that only lost a hedge may
    // be the one that answers next); from then on it gets nothing, while the backup stays slow.
    primary.freeze(true);
    backup.answerAfter(HedgeDelay.MAX.multipliedBy(2));
    long firstChoices = client.callsByMember().get(0).firstChoice();
    await("an attempt on the frozen primary reached its deadline").atMost(WAIT).until(() -> {
      assertThat(client.getStatistic(GET, DEADLINE).getStatisticId()).isEqualTo("backup");
      return client.callsByMember().get(0).unanswered() >= 1;
    });
    assertThat(client.getStatistic(GET, DEADLINE).getStatisticId()).isEqualTo("backup");
    long hedges = client.callsByMember().get(0).hedges();
    for (int i = 0; i < 10; i++) {
      assertThat(client.getStatistic(GET, DEADLINE).getStatisticId()).isEqualTo("backup");
    }
    assertThat(client.callsByMember().get(0).hedges() - hedges).as("hedges to the primary once it stalled").isZero();
    assertThat(client.callsByMember().get(0).firstChoice() - firstChoices).as("calls that tried the frozen primary first")
        .isLessThanOrEqualTo(2);
  }

  @Test
  void aFrozenMemberCostsOneAttemptNotOnePerCall() {
    primary.freeze(true);
    long before = client.callsByMember().get(0).firstChoice();
    for (int i = 0; i < 20; i++) {
      assertThat(client.getStatistic(GET, DEADLINE).getStatisticId()).isEqualTo("backup");
    }
    // The call that found it stalled, and at most one more should the backup stall past an attempt's
    // deadline (the primary is then tried, last). Hedges are not counted: on a busy machine the
    // backup's answers can be slower than the hedge delay, and each such call is hedged to the primary.
    assertThat(client.callsByMember().get(0).firstChoice() - before).as("calls that tried the frozen primary first")
        .isLessThanOrEqualTo(2);
    await("the client counts what each member received").atMost(WAIT).until(() -> {
      MemberCalls p = client.callsByMember().get(0);
      MemberCalls b = client.callsByMember().get(1);
      return p.firstChoice() + p.hedges() == primary.gets.get() && b.firstChoice() + b.hedges() == backup.gets.get();
    });
    await("the frozen primary's attempts end unanswered").atMost(WAIT)
        .until(() -> client.callsByMember().get(0).unanswered() >= 1);
    assertThat(client.callsByMember().get(1).unanswered()).as("the backup answered everything").isZero();
    assertThat(client.callsByMember().get(0).member()).isEqualTo(primary.address());

    primary.freeze(false);
    await("the thawed primary answers a liveness check and is preferred again").atMost(WAIT)
        .until(() -> client.getStatistic(GET, DEADLINE).getStatisticId().equals("primary"));
  }

  /** A call whose answer is not judged, made with {@code deadline}: the test waits for what it did. */
  private void callUnjudged(Duration deadline) {
    var unused = client.getStatisticAsync(GET, deadline);
  }

  /** Opens the test's statistic and waits for its first value, which the primary sends. */
  private StatisticSubscription openOnThePrimary(RecordingListener statistic) {
    StatisticSubscription subscription = client.openStatistic(OpenStatisticRequest.newBuilder()
        .setObject(GET.getSpec().getObject()).setStatistic(GET.getSpec().getStatistic()).build(), statistic);
    await().atMost(WAIT).until(() -> !statistic.values.isEmpty());
    assertThat(statistic.values.get(0).getStatisticId()).isEqualTo("primary");
    return subscription;
  }

  @Test
  void aCallersDeadlineShorterThanAHealthyMembersAnswerMovesNoOpenStatisticOffIt() {
    RecordingListener statistic = new RecordingListener();
    StatisticSubscription subscription = openOnThePrimary(statistic);

    // The primary answers everything, only later than this caller waits: its attempt ends at the
    // caller's deadline, not at the attempt's own, which is what only a member that stalled reaches.
    primary.answerAfter(WarmStandbyClient.ATTEMPT.multipliedBy(2));
    Duration callersDeadline = WarmStandbyClient.ATTEMPT.dividedBy(5);
    long unanswered = client.callsByMember().get(0).unanswered();
    callUnjudged(callersDeadline);
    await("the primary's attempt reached the caller's deadline").atMost(WAIT)
        .until(() -> client.callsByMember().get(0).unanswered() > unanswered);
    assertThat(subscription.reopens()).as("times the open statistic moved off the primary").isZero();

    // The same deadline as that of a gRPC call the caller serves, which gRPC cuts the attempt at.
    // Calls go to the backup first until the primary answers a liveness check; then one tries it.
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try {
      await("the primary's attempt reached the deadline of the call being served").atMost(WAIT).until(() -> {
        Context.current().withDeadlineAfter(callersDeadline.toMillis(), TimeUnit.MILLISECONDS, timer)
            .run(() -> callUnjudged(DEADLINE));
        return client.callsByMember().get(0).unanswered() > unanswered + 1;
      });
    } finally {
      timer.shutdownNow();
    }
    assertThat(subscription.reopens()).as("times the open statistic moved off the primary").isZero();
    assertThat(statistic.last().getStatisticId()).isEqualTo("primary");
    assertThat(statistic.ended).isEmpty();
    subscription.close();
  }

  @Test
  void aDeadlineBeyondWhatNanosecondsHoldIsNoLimitAndASoonerOneOfTheCallBeingServedStillRules() {
    Duration noLimit = ChronoUnit.FOREVER.getDuration();
    assertTimeoutPreemptively(WAIT, () -> {
      assertThat(client.awaitServing(noLimit)).isTrue();
      assertThat(client.getStatistic(GET, noLimit).getStatisticId()).isEqualTo("primary");
    });

    // Inside a gRPC call whose deadline is sooner, that deadline cuts the primary's attempt: the primary
    // is slow, not stalled, and the statistic open on it stays there.
    RecordingListener statistic = new RecordingListener();
    StatisticSubscription subscription = openOnThePrimary(statistic);
    primary.answerAfter(WarmStandbyClient.ATTEMPT.multipliedBy(2));
    long unanswered = client.callsByMember().get(0).unanswered();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try {
      await("the primary's attempt reached the deadline of the call being served").atMost(WAIT).until(() -> {
        Context.current().withDeadlineAfter(WarmStandbyClient.ATTEMPT.dividedBy(5).toMillis(), TimeUnit.MILLISECONDS,
            timer).run(() -> callUnjudged(Duration.ofNanos(Long.MAX_VALUE)));
        return client.callsByMember().get(0).unanswered() > unanswered;
      });
    } finally {
      timer.shutdownNow();
    }
    assertThat(subscription.reopens()).as("times the open statistic moved off the primary").isZero();
    subscription.close();
  }

  @Test
  void aCallMadeInAGrpcCallThatIsCancelledEndsCancelledWithoutTryingOn() throws Exception {
    primary.freeze(true);
    backup.freeze(true);
    Context.CancellableContext serving = Context.current().withCancellation();
    CompletableFuture<StatisticValue> call = serving.call(() -> client.getStatisticAsync(GET, DEADLINE));
    serving.cancel(null);

    // Frozen members answer nothing: only the cancellation can end the call before its deadline,
    // which would end it DEADLINE_EXCEEDED.
    await("the call ended").atMost(WAIT).until(call::isDone);
    assertThatThrownBy(call::join).hasCauseInstanceOf(StatusRuntimeException.class)
        .cause().extracting(e -> ((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.CANCELLED);
  }

  @Test
  void anOpenStatisticOnAMemberThatFreezesReopensOnTheOther() {
    RecordingListener statistic = new RecordingListener();
    StatisticSubscription subscription = openOnThePrimary(statistic);

    primary.freeze(true);
    await("values from the backup").atMost(WAIT)
        .until(() -> statistic.last().getStatisticId().equals("backup"));
    assertThat(subscription.reopens()).isPositive();
    assertThat(statistic.ended).isEmpty();
    subscription.close();
  }
}
