package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.client.FeedPublisher;
import io.tandem.client.MemberCalls;
import io.tandem.client.RecordingListener;
import io.tandem.client.StatisticSubscription;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.ExpireHistoryRequest;
import io.tandem.config.v1.ObjectType;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.MemberStatus;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.SwitchoverCause;
import io.tandem.management.v1.SwitchoverRequest;
import io.tandem.stat.v1.CenterEvent;
import io.tandem.stat.v1.EventBatch;
import io.tandem.stat.v1.EventType;
import io.tandem.stat.v1.Notification;
import io.tandem.stat.v1.NotificationMode;
import io.tandem.stat.v1.OpenStatisticRequest;
import io.tandem.stat.v1.Role;
import io.tandem.stat.v1.StatObject;
import io.tandem.stat.v1.StatisticType;
import io.tandem.common.process.FreePorts;
import io.tandem.testing.LinkProxy;
import io.tandem.testing.PairWatch;
import io.tandem.testing.Service;
import io.tandem.testing.StackMember;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * S12–S14 and S16: what happens when a process is not alive, honest and alone — a frozen primary,
 * a second process with the same identity, a Config Server that goes silent, two members that
 * both believe they are primary. Every service is a real process; faults are real signals and
 * real cut connections.
 */
@Order(2)
class LivenessScenariosTest extends PairStackTest {
  private static final Duration WAIT = PairStack.WAIT;
  /**
   * A refused duplicate keeps asking for heartbeat-timeout plus keepalive's 15 s before it exits
   * (an instance that only looks alive would be found by then): the duplicate scenarios wait that
   * long for the exit they check, so they run the Management Layer with a heartbeat-timeout shorter
   * than the default 10 s, still far above what a busy machine delays a heartbeat by.
   */
  private static final String DUPLICATE_HEARTBEAT_TIMEOUT = "3s";
  private static final StatObject QUEUE = StatObject.newBuilder().setType(ObjectType.QUEUE).setName("queue001").build();

  private static EventBatch callQueued(String callId) {
    return EventBatch.newBuilder().addEvents(CenterEvent.newBuilder().setType(EventType.CALL_QUEUED)
        .setTimestampMs(System.currentTimeMillis()).setQueue(QUEUE.getName()).setCallId(callId)).build();
  }

  private static boolean acknowledged(MemberStatus member, Mode mode) {
    return member.getMode() == mode && member.getModeAcknowledged();
  }

  /** When a log line was written (its ISO-8601 prefix). */
  private static Instant loggedAt(String line) {
    return OffsetDateTime.parse(line.substring(0, line.indexOf(' '))).toInstant();
  }

  @Test
  void s12AFrozenPrimaryIsFailedOverAndItsClientsNeverNoticeIt() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.pair("false", "yes")).start();
    stack.managementOption("heartbeat-timeout", "2s");
    stack.managementOption("disconnect-switchover-timeout", "1s");
    String primary = stack.primary();
    String backup = stack.other(primary);
    RecordingListener streamed = new RecordingListener();
    long callIds = 0;
    try (PairWatch modes = new PairWatch(stack.management().channel());
         // A call every 5 ms (the pace of the load, not a budget), each with a deadline the machine can
         // meet however busy it is (above the client's per-attempt cap, so a call that meets the frozen
         // member still answers). That calls do not wait on the frozen member is judged by where the
         // client sent them, not by how long they took.
         CallingClient client = new CallingClient(stack, PairStack.ANSWER_DEADLINE, Duration.ofMillis(5));
         FeedPublisher feed = client.client().feed();
         StatisticSubscription waiting = client.client().openStatistic(OpenStatisticRequest.newBuilder()
             .setObject(QUEUE).setStatistic(StatisticType.CURRENT_WAITING_CALLS)
             .setNotification(Notification.newBuilder().setMode(NotificationMode.IMMEDIATE)).build(),
             streamed)) {
      await().atMost(WAIT).until(() -> client.ok.get() > 100 && !streamed.values.isEmpty());

      long frozenAt = System.nanoTime();
      long promotedAt;
      long thawedAt;
      MemberCalls atPromotion;
      MemberCalls atThaw;
      stack.stat(primary).pause();
      try {
        await("failover to " + backup).atMost(WAIT).until(() -> acknowledged(stack.member(backup), Mode.PRIMARY));
        promotedAt = System.nanoTime();
        atPromotion = client.callsTo(primary);
        assertThat(stack.member(primary).getHung()).isTrue();
        assertThat(stack.pair().getLastSwitchover().getCause()).isEqualTo(SwitchoverCause.PRIMARY_HUNG);
        assertThat(stack.pair().getLastSwitchover().getDetail()).contains(primary + " hung: no heartbeat for");

        long count = streamed.last().getCount();
        feed.publish(callQueued("frozen-" + ++callIds));
        await("a value from " + backup + " while " + primary + " is frozen").atMost(WAIT)
            .until(() -> streamed.last().getCount() == count + 1);
        await("calls through the rest of the freeze").atMost(WAIT)
            .until(() -> client.startedBetween(promotedAt, Long.MAX_VALUE).size() >= 300);
      } finally {
        atThaw = client.callsTo(primary);
        thawedAt = System.nanoTime();
        stack.stat(primary).resume();
      }
      await("the thawed " + primary + " says BACKUP itself").atMost(WAIT)
          .until(() -> stack.info(primary).getRole() == Role.BACKUP);
      long okAfter = client.ok.get();
      await().atMost(WAIT).until(() -> client.ok.get() > okAfter + 100);

      List<CallingClient.Call> afterPromotion = client.startedBetween(promotedAt, thawedAt);
      long[] nanos = afterPromotion.stream().mapToLong(CallingClient.Call::nanos).sorted().toArray();
      double p99 = nanos[(int) Math.ceil(0.99 * nanos.length) - 1] / 1e6;
      long firstOnFrozen = atThaw.firstChoice() - atPromotion.firstChoice();
      System.out.printf("S12: %d calls, %d failed; promoted %d ms after the freeze; %d calls from then to the thaw,"
          + " %d of them tried the frozen member first, p99 %.1f ms; attempts left unanswered by it %d;"
          + " statistic re-opened %d times%n", client.calls.size(), client.failed.get(),
          TimeUnit.NANOSECONDS.toMillis(promotedAt - frozenAt), nanos.length, firstOnFrozen, p99,
          atThaw.unanswered(), waiting.reopens());
      assertThat(client.failures()).as("failed calls").isEmpty();
      assertThat(atThaw.unanswered()).as("the client met the frozen member's silence").isPositive();
      assertThat(firstOnFrozen).as("calls that tried the frozen %s first, of %d after the promotion", primary,
          nanos.length).isLessThanOrEqualTo(Math.max(3, nanos.length / 100));
      assertThat(streamed.ended).as("the open statistic never ended").isEmpty();
      assertThat(modes.twoPrimariesUnderOneEpoch()).as("two members acknowledged PRIMARY under one epoch").isEmpty();
      assertThat(stack.info(primary).getEpoch()).isEqualTo(stack.info(backup).getEpoch());
    }
  }

  /**
   * S12 at the smallest heartbeat timeout the option accepts, a few of the Management Layer's
   * ticks long. Judged by what the Management Layer decided — the frozen primary found hung by
   * its heartbeats, the failover's cause — not by how long it took on a busy machine: without hang
   * detection the failover still comes, but only once keepalive drops the frozen member's
   * connection, as "lost", tens of seconds later.
   */
  @Test
  void s12AFrozenPrimaryIsFoundHungAtTheSmallestHeartbeatTimeout() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.pair("false", "yes"))
        .withManagementOption("heartbeat-timeout", "200ms").start();
    String primary = stack.primary();
    String backup = stack.other(primary);
    Instant frozenAt = Instant.now();
    stack.stat(primary).pause();
    String failover;
    try {
      await("a failover of " + primary).atMost(WAIT).until(() -> failoverOf(primary, frozenAt) != null);
      failover = failoverOf(primary, frozenAt);
      await(backup + " acknowledges PRIMARY").atMost(WAIT)
          .until(() -> acknowledged(stack.member(backup), Mode.PRIMARY));
    } finally {
      stack.stat(primary).resume();
    }
    List<String> hung = managementLogged("43-30016", frozenAt).stream()
        .filter(line -> line.contains("application=" + primary)).toList();
    System.out.printf("S12 at heartbeat-timeout 200ms: %s%n  %s%n", hung.isEmpty() ? "never found hung" : hung.get(0),
        failover);
    assertThat(failover).as("the failover's cause").contains("cause=" + primary + " hung: no heartbeat for");
    assertThat(hung).as("%s found hung (43-30016) after the freeze", primary).isNotEmpty();
    assertThat(stack.pair().getLastSwitchover().getCause()).isEqualTo(SwitchoverCause.PRIMARY_HUNG);
    await("the thawed " + primary + " says BACKUP itself").atMost(WAIT)
        .until(() -> stack.info(primary).getRole() == Role.BACKUP);
  }

  /**
   * The Management Layer itself stopped ({@code SIGSTOP}) for ten times the smallest heartbeat
   * timeout: the heartbeats sent meanwhile wait in its sockets, so when it resumes nobody is taken
   * for hung and nobody's mode changes.
   */
  @Test
  void aManagementLayerStoppedForLongerThanTheHeartbeatTimeoutFindsNobodyHungWhenItResumes() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.pair("false", "yes"))
        .withManagementOption("heartbeat-timeout", "200ms").start();
    String primary = stack.primary();
    String backup = stack.other(primary);
    long epoch = stack.pair().getEpoch();
    Instant stoppedAt = Instant.now();
    stack.management().pause();
    try {
      TimeUnit.SECONDS.sleep(2); // the length of the fault, not a wait for something to happen
    } finally {
      stack.management().resume();
    }
    long resumedAt = System.currentTimeMillis();
    // Heartbeats stamped well after the resumption: the loop has ticked many times since.
    await("heartbeats after the resumption").atMost(WAIT).until(() -> stack.pair().getMembersList().stream()
        .allMatch(m -> m.getConnected() && m.getLastHeartbeat().getSeconds() * 1000 > resumedAt + 1_000));
    assertThat(managementLogged("43-30016", stoppedAt)).as("nobody hung").isEmpty();
    assertThat(managementLogged("43-30014", stoppedAt)).as("nobody failed over").isEmpty();
    assertThat(stack.primary()).isEqualTo(primary);
    assertThat(acknowledged(stack.member(backup), Mode.BACKUP)).isTrue();
    assertThat(stack.pair().getEpoch()).isEqualTo(epoch);
  }

  /** The Management Layer's first failover (43-30014) of {@code lost} logged at or after {@code since}. */
  private String failoverOf(String lost, Instant since) {
    return managementLogged("43-30014", since).stream().filter(line -> line.contains("lost=" + lost + ","))
        .findFirst().orElse(null);
  }

  /** The Management Layer's log lines of event {@code id} written at or after {@code since}. */
  private List<String> managementLogged(String id, Instant since) {
    return stack.management().logLines(" " + id + " ").stream().filter(line -> !loggedAt(line).isBefore(since))
        .toList();
  }

  @Test
  void s13ASecondProcessOfTheSameApplicationExitsAndTheFirstIsUntouched() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.pair("false", "yes"))
        .withManagementOption("heartbeat-timeout", DUPLICATE_HEARTBEAT_TIMEOUT).start();
    MemberStatus before = stack.member(PairStack.A);
    try (HealthTimeline health = stack.watchHealth()) {
      StackMember duplicate = startDuplicateOfA();
      assertThat(duplicate.exitCode().getAsInt()).isEqualTo(1);
      assertThat(duplicate.logLines(" 02-10105 ")).as("why it exits").singleElement().asString()
          .contains("ALREADY_EXISTS", "is already running as instance " + before.getInstanceId(),
              "still refused after asking for", "the other instance is alive");

      MemberStatus after = stack.member(PairStack.A);
      assertThat(after.getInstanceId()).as("the same process").isEqualTo(before.getInstanceId());
      assertThat(after.getMode()).isEqualTo(before.getMode());
      assertThat(after.getModeAcknowledged()).isTrue();
      assertThat(after.getConnected()).isTrue();
      assertThat(stack.management().logLines(" 43-30002 ")).as("no stream of the first instance was lost").isEmpty();
      assertThat(stack.management().logLines(" 43-30018 ")).as("nor replaced").isEmpty();
      assertThat(stack.management().logLines(" 43-30007 ")).as("it asked again before it gave up").hasSizeGreaterThan(1)
          .allMatch(line -> line.contains("code=ALREADY_EXISTS"));
      assertThat(health.everNotServing(PairStack.A)).as("the first never stopped serving").isFalse();
    }
  }

  /**
   * A member restarted while its old process still looks alive to the Management Layer: frozen,
   * its connection open (as a half-open one would be). The new process is refused as a duplicate at
   * first, keeps asking, and takes over once the old one is found lost or hung — it does not exit.
   */
  @Test
  void s13ARestartedMemberWhoseOldProcessStillLooksAliveTakesOverOnceThatOneIsFound() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.pair("false", "yes"))
        .withManagementOption("heartbeat-timeout", "20s").start();
    String backup = stack.other(stack.primary());
    MemberStatus before = stack.member(backup);
    StackMember old = stack.stat(backup);
    long frozenAt = System.nanoTime();
    old.pause();
    try {
      int port = FreePorts.next();
      StackMember restarted = stack.stack.startNoWait(ServiceJvm.launch(Service.STAT_SERVER, backup + "-restarted", port,
          List.of("--app", backup, "--port", "" + port, "--config-server", "localhost:" + stack.configPort,
              "--management", "localhost:" + stack.managementPort)));
      await("the restarted " + backup + " refused while the old process looks alive").atMost(WAIT)
          .until(() -> !refusedAsDuplicate(backup).isEmpty() || restarted.exitCode().isPresent());
      await("the restarted " + backup + " accepted, or gone").atMost(WAIT).until(() -> restarted.exitCode().isPresent()
          || (stack.member(backup).getConnected() && !stack.member(backup).getInstanceId().equals(before.getInstanceId())));
      System.out.printf("S13, restarted while the old process is frozen: taken %d ms after the freeze, after %d "
          + "refusals%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - frozenAt), refusedAsDuplicate(backup).size());
      assertThat(restarted.exitCode()).as("the restarted process gave up; its log:%n%s",
          restarted.logText().lines().filter(l -> l.contains(" 02-10")).toList()).isEmpty();
      assertThat(refusedAsDuplicate(backup)).as("it was refused first, while the old process looked alive")
          .isNotEmpty();
      // Found by keepalive (its transport answers no ping) or by its silence, whichever comes first.
      assertThat(stack.management().logLines(" 43-300")).as("the old process found lost or hung").anyMatch(line ->
          line.contains("application=" + backup) && (line.contains(" 43-30002 ") || line.contains(" 43-30016 ")));
      await(backup + " backup again").atMost(WAIT).until(() -> acknowledged(stack.member(backup), Mode.BACKUP));
    } finally {
      old.kill();
    }
  }

  /** The Management Layer's refusals (43-30007) of {@code application} as a duplicate. */
  private List<String> refusedAsDuplicate(String application) {
    return stack.management().logLines(" 43-30007 ").stream()
        .filter(line -> line.contains("application=" + application) && line.contains("code=ALREADY_EXISTS")).toList();
  }

  /** Starts a second process for StatServer_A on a port of its own and waits until it exits. */
  private StackMember startDuplicateOfA() throws Exception {
    int port = FreePorts.next();
    StackMember duplicate = stack.stack.startNoWait(ServiceJvm.launch(Service.STAT_SERVER, PairStack.A + "-duplicate", port,
        List.of("--app", PairStack.A, "--port", "" + port, "--config-server", "localhost:" + stack.configPort,
            "--management", "localhost:" + stack.managementPort)));
    await("the duplicate exits").atMost(WAIT).until(() -> duplicate.exitCode().isPresent());
    return duplicate;
  }

  @Test
  void aDuplicateRefusedAtStartStopsQuietlyWithOneLineSayingWhy() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.standalone())
        .withManagementOption("heartbeat-timeout", DUPLICATE_HEARTBEAT_TIMEOUT).start();
    StackMember duplicate = startDuplicateOfA();

    assertThat(duplicate.exitCode().getAsInt()).isEqualTo(1);
    assertThat(duplicate.logLines(" 02-10105 ")).as("one line says why").singleElement().asString()
        .contains("ALREADY_EXISTS");
    assertThat(duplicate.logText()).as("a refusal stops quietly: no failure while stopping")
        .doesNotContain("Exception", "\tat ", "ERROR");
  }

  @Test
  void s14ASilentConfigServerIsALostSessionThatIsRestoredWithoutAReload() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.pair("true", "yes")).start();
    Duration progressInterval = Duration.ofMillis(200); // PairStack's confserv/progress-interval
    try (HealthTimeline health = stack.watchHealth()) {
      Instant frozenAt = Instant.now();
      stack.config().pause();
      try {
        for (String member : List.of(PairStack.A, PairStack.B)) {
          await(member + " notices the silence").atMost(WAIT).until(() -> !stack.logged(member, "02-10090").isEmpty());
          String lost = stack.logged(member, "02-10090").get(0);
          assertThat(lost).contains("no change or progress from the Config Server");
          assertThat(Duration.between(frozenAt, loggedAt(lost)))
              .as("%s: 02-10090 within 3 x progress-interval + 1 s", member)
              .isLessThanOrEqualTo(progressInterval.multipliedBy(3).plusSeconds(1));
          assertThat(stack.serving(member)).as("%s keeps serving", member).isTrue();
        }
      } finally {
        stack.config().resume();
      }
      for (String member : List.of(PairStack.A, PairStack.B)) {
        await(member + " restores its session").atMost(WAIT).until(() -> !stack.logged(member, "02-10088").isEmpty());
        assertThat(stack.logged(member, "02-10084")).as("%s reloaded", member).isEmpty();
        assertThat(health.everNotServing(member)).as("%s stopped serving", member).isFalse();
      }
    }
  }

  @Test
  void s16TwoPrimariesInProtectedModeResolveWithoutTheirPairGoingDark() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.pair("true", "yes"));
    try (LinkProxy toManagement = new LinkProxy(stack.managementPort)) {
      stack.start(PairStack.A, toManagement.port());
      if (!stack.primary().equals(PairStack.A)) {
        var stub = io.tandem.management.v1.ManagementServiceGrpc.newBlockingStub(stack.management().channel());
        stub.switchover(SwitchoverRequest.newBuilder().setApplication(PairStack.A).build());
        stack.awaitModesAcknowledged();
      }
      assertThat(stack.primary()).isEqualTo(PairStack.A);
      try (HealthTimeline health = stack.watchHealth()) {
        // A partition between A and the Management Layer: B is promoted, A still believes it is primary.
        toManagement.cut();
        await("B promoted").atMost(WAIT).until(() -> acknowledged(stack.member(PairStack.B), Mode.PRIMARY));
        assertThat(stack.info(PairStack.A).getRole()).as("A, cut off, is still primary").isEqualTo(Role.PRIMARY);
        assertThat(stack.info(PairStack.A).getEpoch()).isLessThan(stack.info(PairStack.B).getEpoch());

        ConfigServiceGrpc.newBlockingStub(stack.config().channel()).expireHistory(ExpireHistoryRequest.getDefaultInstance());
        await("A gives way").atMost(WAIT).until(() -> !stack.logged(PairStack.A, "02-10106").isEmpty());
        assertThat(stack.logged(PairStack.B, "02-10106")).as("exactly one gives way").isEmpty();
        assertThat(stack.logged(PairStack.B, "02-10086")).as("B stays protected meanwhile").hasSize(1);
        await("A reloaded").atMost(WAIT).until(() -> stack.logged(PairStack.A, "02-10085").size() == 1);

        toManagement.heal();
        await("the pair resolved").atMost(WAIT).until(() -> {
          List<MemberStatus> members = stack.pair().getMembersList();
          return members.stream().allMatch(m -> m.getStatus() == AppStatus.RUNNING && m.getModeAcknowledged())
              && members.stream().filter(m -> m.getMode() == Mode.PRIMARY).count() == 1;
        });
        await("B reloaded after it was switched to backup").atMost(WAIT)
            .until(() -> stack.logged(PairStack.B, "02-10085").size() == 1);
        await().atMost(WAIT).until(() -> stack.serving(PairStack.A) && stack.serving(PairStack.B));
        System.out.printf("S16: the pair was dark for %.1f ms (by the servers' own clocks: %.0f ms)%n",
            health.darkMillis(), stack.darkMillisByServers());
        assertThat(stack.darkMillisByServers()).as("milliseconds with neither member serving, by their clocks").isZero();
        stack.awaitWatchesExplained(health);
      }
    }
  }
}
