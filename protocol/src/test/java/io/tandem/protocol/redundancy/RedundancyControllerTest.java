package io.tandem.protocol.redundancy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.protocol.log.LogEvent;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.MemberStatus;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.SwitchoverRecord;
import io.tandem.management.v1.PairMemory;
import io.tandem.management.v1.PairStatus;
import io.tandem.management.v1.SwitchoverCause;
import io.tandem.management.v1.SwitchoverReply;
import io.tandem.management.v1.SwitchoverResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Management Layer's decisions, with a hand-moved clock: no sockets, no sleeps. */
class RedundancyControllerTest {
  private static final RedundancySettings SETTINGS = new RedundancySettings(Duration.ofSeconds(5),
      Duration.ofSeconds(3), 3, Duration.ofSeconds(60), Duration.ofSeconds(2));
  private static final Map<String, String> CONFIGURED = Map.of("A", "B", "B", "", "S", "");

  private RedundancyController controller;
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private Instant now = START;
  private final List<Action> actions = new ArrayList<>();
  /** Every mode command ever sent, for the applications to acknowledge. */
  private final List<Action.SendMode> allSent = new ArrayList<>();
  private final Map<String, Long> sessions = new HashMap<>();
  /** Applications whose process is frozen: connected, but they send no heartbeats. */
  private final Set<String> frozen = new HashSet<>();
  private long nextSession;

  @BeforeEach
  void configurePair() {
    controller = new RedundancyController(SETTINGS);
    record(controller.configure(CONFIGURED, SETTINGS, now));
  }

  // ---- helpers -------------------------------------------------------------------------------

  private List<Action> record(List<Action> produced) {
    actions.addAll(produced);
    produced.stream().filter(Action.SendMode.class::isInstance).map(Action.SendMode.class::cast).forEach(allSent::add);
    return produced;
  }

  /**
   * Time passes as it does for real applications and the Management Layer: every connected
   * application that is not frozen sends a heartbeat each heartbeat interval (counted from the
   * test's start), and the controller ticks every tick period.
   */
  private void advance(Duration d) {
    Instant end = now.plus(d);
    while (now.isBefore(end)) {
      Duration step = RedundancyController.TICK_PERIOD;
      now = now.plus(step).isAfter(end) ? end : now.plus(step);
      if (Duration.between(START, now).toMillis() % SETTINGS.heartbeatInterval().toMillis() == 0) {
        for (Map.Entry<String, Long> session : Map.copyOf(sessions).entrySet()) {
          if (!frozen.contains(session.getKey())) {
            record(controller.heartbeat(session.getKey(), session.getValue(), now));
          }
        }
      }
      record(controller.tick(now));
    }
  }

  private List<Action> connect(String app) {
    return connect(app, "instance-of-" + app, Mode.MODE_UNSPECIFIED, 0);
  }

  private List<Action> connect(String app, String instance, Mode claimed, long epoch) {
    long session = ++nextSession;
    List<Action> produced = record(controller.connected(
        new Arrival(app, session, instance, app + ":1", "10.0.0.1:" + session, claimed, epoch), now));
    if (produced.stream().noneMatch(a -> a instanceof Action.EndSession end && end.session() == session)) {
      sessions.put(app, session);
    }
    return produced;
  }

  private void disconnect(String app) {
    record(controller.disconnected(app, sessions.remove(app), now));
  }

  private List<Action> report(String app, AppStatus status) {
    return record(controller.statusReported(app, sessions.get(app), status, "", now));
  }

  /** The applications acknowledge every mode command sent so far (the controller ignores stale ones). */
  private void acknowledgeAll() {
    for (Action.SendMode send : List.copyOf(allSent)) {
      if (sessions.containsKey(send.application())) {
        record(controller.modeAcknowledged(send.application(), sessions.get(send.application()), send.commandId(),
            send.mode(), send.epoch(), now));
      }
    }
  }

  private List<Action.SendMode> sent() {
    return actions.stream().filter(Action.SendMode.class::isInstance).map(Action.SendMode.class::cast).toList();
  }

  private List<Action.SendMode> takeSent() {
    List<Action.SendMode> sent = sent();
    actions.removeIf(Action.SendMode.class::isInstance);
    return sent;
  }

  private SwitchoverReply completed(long requestId) {
    return actions.stream().filter(Action.CompleteRequest.class::isInstance).map(Action.CompleteRequest.class::cast)
        .filter(c -> c.requestId() == requestId).map(Action.CompleteRequest::reply).findFirst().orElse(null);
  }

  private boolean logged(LogEvent event) {
    return actions.stream().anyMatch(a -> a instanceof Action.Log log && log.event() == event);
  }

  private MemberStatus member(String app) {
    return controller.status(now).getPairsList().stream().flatMap(p -> p.getMembersList().stream())
        .filter(m -> m.getApplication().equals(app)).findFirst().orElseThrow();
  }

  private PairStatus pairOf(String app) {
    return controller.status(now).getPairsList().stream()
        .filter(p -> p.getMembersList().stream().anyMatch(m -> m.getApplication().equals(app))).findFirst().orElseThrow();
  }

  private void runningPairWithAPrimary() {
    connect("A");
    connect("B");
    report("A", AppStatus.RUNNING);
    report("B", AppStatus.RUNNING);
    acknowledgeAll();
    takeSent();
    actions.clear();
  }

  // ---- assignment ----------------------------------------------------------------------------

  @Test
  void theFirstMemberToReportRunningIsPrimaryAndTheOtherBackup() {
    connect("A");
    connect("B");
    report("B", AppStatus.INITIALIZING);
    report("B", AppStatus.RUNNING);
    assertThat(takeSent()).singleElement().satisfies(s -> {
      assertThat(s.application()).isEqualTo("B");
      assertThat(s.mode()).isEqualTo(Mode.PRIMARY);
    });
    report("A", AppStatus.RUNNING);
    assertThat(takeSent()).singleElement().satisfies(s -> {
      assertThat(s.application()).isEqualTo("A");
      assertThat(s.mode()).isEqualTo(Mode.BACKUP);
    });
    assertThat(member("A").getModeAcknowledged()).isFalse();
    acknowledgeAll();
    assertThat(member("A").getModeAcknowledged()).isTrue();
    assertThat(member("B").getMode()).isEqualTo(Mode.PRIMARY);
  }

  @Test
  void aStandaloneApplicationIsPrimary() {
    connect("S");
    report("S", AppStatus.RUNNING);
    assertThat(takeSent()).singleElement().satisfies(s -> assertThat(s.mode()).isEqualTo(Mode.PRIMARY));
    assertThat(pairOf("S").getMembersCount()).isEqualTo(1);
  }

  @Test
  void aRestartedMemberJoinsAsBackupWhenItsPeerIsPrimary() {
    runningPairWithAPrimary();
    disconnect("B");
    connect("B");
    takeSent(); // its mode, re-sent on reconnect
    report("B", AppStatus.RUNNING);
    assertThat(member("B").getMode()).isEqualTo(Mode.BACKUP);
    assertThat(member("A").getMode()).isEqualTo(Mode.PRIMARY);
  }

  @Test
  void afterAManagementLayerRestartAnUnavailableMemberIsMadeBackupOfTheRunningOne() {
    connect("A");
    connect("B");
    report("A", AppStatus.SERVICE_UNAVAILABLE);
    assertThat(takeSent()).isEmpty();
    report("B", AppStatus.RUNNING);
    assertThat(takeSent()).extracting(Action.SendMode::application, Action.SendMode::mode).containsExactly(
        org.assertj.core.groups.Tuple.tuple("B", Mode.PRIMARY), org.assertj.core.groups.Tuple.tuple("A", Mode.BACKUP));

    RedundancyController other = new RedundancyController(SETTINGS);
    other.configure(Map.of("A", "B", "B", ""), SETTINGS, now);
    other.connected(arrival("B", 1, Mode.MODE_UNSPECIFIED, 0), now);
    other.statusReported("B", 1, AppStatus.RUNNING, "", now);
    other.connected(arrival("A", 2, Mode.MODE_UNSPECIFIED, 0), now);
    assertThat(other.statusReported("A", 2, AppStatus.SERVICE_UNAVAILABLE, "", now))
        .filteredOn(Action.SendMode.class::isInstance).singleElement()
        .satisfies(a -> assertThat(((Action.SendMode) a).mode()).isEqualTo(Mode.BACKUP));
  }

  @Test
  void aMemberWhosePeerHasNotSaidHelloGetsNoModeWhileThePeerMayStillBePrimary() {
    connect("A");
    report("A", AppStatus.RUNNING);
    assertThat(takeSent()).as("B, unheard of since this Management Layer started, may run as primary").isEmpty();
    assertThat(logged(LogEvent.MODE_WITHHELD)).isTrue();
    connect("B", "instance-of-B", Mode.PRIMARY, 7);
    assertThat(takeSent()).as("B says it is primary: A is its backup, under B's epoch")
        .extracting(Action.SendMode::application, Action.SendMode::mode, Action.SendMode::epoch)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("A", Mode.BACKUP, 7L));
  }

  @Test
  void aMemberWhosePeerStaysSilentBecomesPrimaryOnceTheFailoverTimeoutHasPassed() {
    connect("A");
    report("A", AppStatus.RUNNING);
    advance(SETTINGS.disconnectSwitchoverTimeout().minusMillis(100));
    assertThat(takeSent()).isEmpty();
    advance(Duration.ofMillis(200));
    assertThat(takeSent()).extracting(Action.SendMode::application, Action.SendMode::mode)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("A", Mode.PRIMARY));
  }

  @Test
  void aRestartedManagementLayerIssuesEpochsAboveItsLedgerEvenWithItsClockSetBack() {
    runningPairWithAPrimary();
    long before = pairOf("A").getEpoch();
    // Restarted on a host whose clock went back an hour; neither member has said hello yet, and A
    // comes back as a new process. The ledger holds the highest epoch the last run's commands carried.
    now = now.minus(Duration.ofHours(1));
    controller = new RedundancyController(SETTINGS, before);
    sessions.clear();
    record(controller.configure(CONFIGURED, SETTINGS, now));
    connect("A");
    connect("B");
    report("A", AppStatus.RUNNING);
    assertThat(takeSent()).filteredOn(send -> send.mode() == Mode.PRIMARY).singleElement()
        .satisfies(send -> assertThat(send.epoch()).isGreaterThan(before));
  }

  @Test
  void aServiceUnavailableReportedWhileASwitchoverIsInFlightStartsTheNextOneWhenItEnds() {
    runningPairWithAPrimary();
    report("A", AppStatus.SERVICE_UNAVAILABLE);
    assertThat(takeSent()).extracting(Action.SendMode::application, Action.SendMode::mode).containsExactly(
        org.assertj.core.groups.Tuple.tuple("B", Mode.PRIMARY), org.assertj.core.groups.Tuple.tuple("A", Mode.BACKUP));
    // B's own session expired meanwhile: as the new primary it protects the pair and asks at once.
    report("B", AppStatus.SERVICE_UNAVAILABLE);
    acknowledgeAll();
    assertThat(logged(LogEvent.SWITCHOVER_DONE)).isTrue();
    report("A", AppStatus.RUNNING);
    assertThat(takeSent()).as("B's request was kept, not dropped").extracting(Action.SendMode::application,
        Action.SendMode::mode).containsExactly(org.assertj.core.groups.Tuple.tuple("A", Mode.PRIMARY),
            org.assertj.core.groups.Tuple.tuple("B", Mode.BACKUP));
  }

  @Test
  void aSwitchoverDeferredForAHungBackupStartsWhenItsHeartbeatsResume() {
    runningPairWithAPrimary();
    frozen.add("B");
    advance(SETTINGS.heartbeatTimeout().plusMillis(500));
    assertThat(member("B").getHung()).isTrue();
    report("A", AppStatus.SERVICE_UNAVAILABLE);
    assertThat(takeSent()).isEmpty();
    assertThat(logged(LogEvent.SWITCHOVER_DEFERRED)).isTrue();
    frozen.remove("B");
    advance(SETTINGS.heartbeatInterval());
    assertThat(takeSent()).extracting(Action.SendMode::application, Action.SendMode::mode)
        .contains(org.assertj.core.groups.Tuple.tuple("B", Mode.PRIMARY), org.assertj.core.groups.Tuple.tuple("A", Mode.BACKUP));
  }

  @Test
  void aPrimaryClaimUnderAnOlderEpochThanThePeerWasJustMadePrimaryUnderIsNotAdopted() {
    connect("B");
    connect("A", "instance-of-A", Mode.MODE_UNSPECIFIED, 0);
    report("B", AppStatus.RUNNING);
    long bEpoch = takeSent().get(0).epoch();
    disconnect("A");
    // B has not acknowledged yet when an old A, cut off meanwhile, says it is primary under an older epoch.
    connect("A", "instance-of-A", Mode.PRIMARY, bEpoch - 1);
    assertThat(takeSent()).as("B stays primary").noneMatch(send -> send.application().equals("B"));
    report("A", AppStatus.RUNNING);
    assertThat(takeSent()).extracting(Action.SendMode::application, Action.SendMode::mode, Action.SendMode::epoch)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("A", Mode.BACKUP, bEpoch));
  }

  @Test
  void afterAManagementLayerRestartTheModesTheApplicationsRunInAreAdopted() {
    RedundancyController restarted = new RedundancyController(SETTINGS);
    restarted.configure(Map.of("A", "B", "B", ""), SETTINGS, now);
    assertThat(restarted.connected(arrival("B", 1, Mode.PRIMARY, 7), now)).noneMatch(Action.SendMode.class::isInstance);
    assertThat(restarted.connected(arrival("A", 2, Mode.BACKUP, 7), now)).noneMatch(Action.SendMode.class::isInstance);
    assertThat(restarted.statusReported("A", 2, AppStatus.RUNNING, "", now)).noneMatch(Action.SendMode.class::isInstance);
    assertThat(restarted.statusReported("B", 1, AppStatus.RUNNING, "", now)).noneMatch(Action.SendMode.class::isInstance);
    var members = restarted.status(now).getPairs(0).getMembersList();
    assertThat(members).extracting(MemberStatus::getApplication, MemberStatus::getMode).containsExactly(
        org.assertj.core.groups.Tuple.tuple("A", Mode.BACKUP), org.assertj.core.groups.Tuple.tuple("B", Mode.PRIMARY));

    assertThat(restarted.status(now).getPairs(0).getEpoch()).as("the epoch is recovered from the hellos").isEqualTo(7);

    RedundancyController conflict = new RedundancyController(SETTINGS);
    conflict.configure(Map.of("A", "B", "B", ""), SETTINGS, now);
    conflict.connected(arrival("A", 1, Mode.PRIMARY, 3), now);
    conflict.connected(arrival("B", 2, Mode.PRIMARY, 3), now);
    assertThat(conflict.status(now).getPairs(0).getMembersList()).extracting(MemberStatus::getMode)
        .as("the second claim of PRIMARY is not adopted").containsExactly(Mode.PRIMARY, Mode.MODE_UNSPECIFIED);
    assertThat(conflict.statusReported("B", 2, AppStatus.RUNNING, "", now))
        .filteredOn(Action.SendMode.class::isInstance).singleElement()
        .satisfies(a -> assertThat(((Action.SendMode) a).mode()).isEqualTo(Mode.BACKUP));
  }

  @Test
  void aNewLeaderDoesNotAdoptAPrimaryClaimThePreviousLeaderOutdatedThoughItIsHeardFirst() {
    SwitchoverRecord last = SwitchoverRecord.newBuilder().setCause(SwitchoverCause.MANUAL)
        .setResult(SwitchoverResult.DONE).setFromPrimary("A").setToPrimary("B").build();
    RedundancyController elected = new RedundancyController(SETTINGS, 20);
    elected.configure(Map.of("A", "B", "B", ""), SETTINGS, now);
    elected.remember(Map.of("A/B", PairMemory.newBuilder().setPrimary("B").setEpoch(12).setLastSwitchover(last)
        .build()));
    assertThat(elected.status(now).getPairs(0).getLastSwitchover()).as("the last switchover carries on")
        .isEqualTo(last);
    assertThat(elected.status(now).getPairs(0).getEpoch()).isEqualTo(12);

    // A was frozen through the switchover: it still believes it is primary under the epoch before.
    assertThat(elected.connected(arrival("A", 1, Mode.PRIMARY, 11), now)).noneMatch(Action.SendMode.class::isInstance);
    assertThat(elected.status(now).getPairs(0).getMembers(0).getMode()).as("A's outdated claim").isEqualTo(
        Mode.MODE_UNSPECIFIED);
    elected.connected(arrival("B", 2, Mode.PRIMARY, 12), now);
    assertThat(elected.status(now).getPairs(0).getMembersList()).extracting(MemberStatus::getMode)
        .containsExactly(Mode.MODE_UNSPECIFIED, Mode.PRIMARY);
    assertThat(elected.statusReported("A", 1, AppStatus.RUNNING, "", now))
        .filteredOn(Action.SendMode.class::isInstance).singleElement()
        .satisfies(a -> assertThat(((Action.SendMode) a).mode()).isEqualTo(Mode.BACKUP));

    RedundancyController forgetful = new RedundancyController(SETTINGS, 20);
    forgetful.configure(Map.of("A", "B", "B", ""), SETTINGS, now);
    forgetful.connected(arrival("A", 1, Mode.PRIMARY, 11), now);
    assertThat(forgetful.status(now).getPairs(0).getMembers(0).getMode())
        .as("without the kept state, the first claim heard wins for a while").isEqualTo(Mode.PRIMARY);
  }

  @Test
  void aLeaderKeepsEachPairWhosePrimaryAcknowledgedAndTheNextRemembersIt() {
    connect("A");
    connect("B");
    report("A", AppStatus.RUNNING);
    report("B", AppStatus.RUNNING);
    assertThat(controller.memories()).as("the primary has not acknowledged yet").isEmpty();
    acknowledgeAll();
    long epoch = pairOf("A").getEpoch();
    assertThat(controller.memories()).containsOnlyKeys("A/B")
        .containsEntry("A/B", PairMemory.newBuilder().setPrimary("A").setEpoch(epoch).build());

    RedundancyController next = new RedundancyController(SETTINGS, epoch);
    next.configure(CONFIGURED, SETTINGS, now);
    next.remember(controller.memories());
    assertThat(next.status(now).getPairs(0).getEpoch()).isEqualTo(epoch);
  }

  @Test
  void aKeptStateBehindThePairOutdatesNothingNewer() {
    RedundancyController elected = new RedundancyController(SETTINGS, 20);
    elected.configure(Map.of("A", "B", "B", ""), SETTINGS, now);
    elected.remember(Map.of("A/B", PairMemory.newBuilder().setPrimary("B").setEpoch(12).build()));
    // The previous leader made A primary under 14, and its write of that did not reach etcd.
    elected.connected(arrival("A", 1, Mode.PRIMARY, 14), now);
    elected.connected(arrival("B", 2, Mode.BACKUP, 14), now);
    assertThat(elected.status(now).getPairs(0).getMembersList()).extracting(MemberStatus::getMode)
        .containsExactly(Mode.PRIMARY, Mode.BACKUP);
    assertThat(elected.status(now).getPairs(0).getEpoch()).isEqualTo(14);
  }

  private static Arrival arrival(String app, long session, Mode claimed, long epoch) {
    return new Arrival(app, session, "instance-of-" + app, "", "10.0.0.1:" + session, claimed, epoch);
  }

  @Test
  void anApplicationNotInTheConfigurationIsRefusedByName() {
    List<Action> produced = connect("Z");
    assertThat(produced).filteredOn(Action.EndSession.class::isInstance).singleElement().satisfies(a -> {
      Action.EndSession end = (Action.EndSession) a;
      assertThat(end.cause()).isEqualTo(SessionEnd.NOT_CONFIGURED);
      assertThat(end.message()).contains("no Application named 'Z'");
    });
    assertThat(logged(LogEvent.APPLICATION_REFUSED)).isTrue();
  }

  // ---- switchover on SERVICE_UNAVAILABLE -------------------------------------------------------

  @Test
  void serviceUnavailableFromThePrimarySwitchesOverWhenTheBackupIsReady() {
    runningPairWithAPrimary();
    report("A", AppStatus.SERVICE_UNAVAILABLE);
    List<Action.SendMode> commands = takeSent();
    assertThat(commands).extracting(Action.SendMode::application, Action.SendMode::mode)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("B", Mode.PRIMARY), org.assertj.core.groups.Tuple.tuple("A", Mode.BACKUP));
    assertThat(logged(LogEvent.SWITCHOVER_REQUESTED)).isTrue();
    now = now.plusMillis(12);
    acknowledgeAll();
    assertThat(logged(LogEvent.SWITCHOVER_DONE)).isTrue();
    var last = pairOf("A").getLastSwitchover();
    assertThat(last.getResult()).isEqualTo(SwitchoverResult.DONE);
    assertThat(last.getCause()).isEqualTo(SwitchoverCause.SERVICE_UNAVAILABLE_REPORTED);
    assertThat(last.getDurationMs()).isEqualTo(12);
    assertThat(last.getFromPrimary()).isEqualTo("A");
    assertThat(last.getToPrimary()).isEqualTo("B");
    assertThat(member("B").getMode()).isEqualTo(Mode.PRIMARY);
    assertThat(member("A").getMode()).isEqualTo(Mode.BACKUP);
  }

  @Test
  void aSwitchoverIsDeferredWhileTheBackupIsNotReadyAndDoneOnceItReportsRunning() {
    runningPairWithAPrimary();
    report("B", AppStatus.INITIALIZING);
    report("A", AppStatus.SERVICE_UNAVAILABLE);
    assertThat(takeSent()).isEmpty();
    assertThat(logged(LogEvent.SWITCHOVER_DEFERRED)).isTrue();
    assertThat(pairOf("A").getLastSwitchover().getResult()).isEqualTo(SwitchoverResult.BACKUP_NOT_READY);
    assertThat(member("A").getMode()).as("the primary stays primary").isEqualTo(Mode.PRIMARY);

    report("B", AppStatus.RUNNING);
    assertThat(takeSent()).extracting(Action.SendMode::application).containsExactly("B", "A");
    assertThat(member("B").getMode()).isEqualTo(Mode.PRIMARY);
  }

  @Test
  void aDeferredSwitchoverIsDroppedWhenThePrimaryRecovers() {
    runningPairWithAPrimary();
    report("B", AppStatus.INITIALIZING);
    report("A", AppStatus.SERVICE_UNAVAILABLE);
    report("A", AppStatus.RUNNING);
    report("B", AppStatus.RUNNING);
    assertThat(takeSent()).isEmpty();
    assertThat(member("A").getMode()).isEqualTo(Mode.PRIMARY);
  }

  @Test
  void onlyOneSwitchoverPerPairIsInFlight() {
    runningPairWithAPrimary();
    report("A", AppStatus.SERVICE_UNAVAILABLE);
    takeSent();
    record(controller.switchoverRequested("B", 77, now));
    assertThat(completed(77).getResult()).isEqualTo(SwitchoverResult.ALREADY_IN_PROGRESS);
    assertThat(takeSent()).isEmpty();
  }

  @Test
  void aSwitchoverNotAcknowledgedBeforeItsDeadlineTimesOut() {
    runningPairWithAPrimary();
    record(controller.switchoverRequested("A", 5, now));
    takeSent();
    advance(Duration.ofMillis(2999));
    assertThat(completed(5)).isNull();
    advance(Duration.ofMillis(1));
    assertThat(completed(5).getResult()).isEqualTo(SwitchoverResult.TIMED_OUT);
    assertThat(completed(5).getMessage()).contains("not acknowledged by B, A");
    assertThat(pairOf("A").getLastSwitchover().getResult()).isEqualTo(SwitchoverResult.TIMED_OUT);
  }

  @Test
  void staleAcknowledgementsAreIgnored() {
    runningPairWithAPrimary();
    record(controller.switchoverRequested("A", 5, now));
    List<Action.SendMode> commands = takeSent();
    Action.SendMode toB = commands.get(0);
    record(controller.modeAcknowledged("B", sessions.get("B"), toB.commandId() - 100, Mode.PRIMARY, toB.epoch(), now));
    record(controller.modeAcknowledged("B", sessions.get("B"), toB.commandId(), Mode.BACKUP, toB.epoch(), now));
    assertThat(member("B").getModeAcknowledged()).isFalse();
    assertThat(completed(5)).isNull();
  }

  /**
   * Believed, a claim at the largest long made the next epoch wrap to the floor, so one epoch was
   * issued twice; one at the most an epoch may be left the members obeying the next one unable
   * to say hello again.
   */
  @Test
  void aHelloClaimingAnEpochNoManagementLayerIssuedIsRefusedNamingIt() {
    for (long claimed : List.of(Long.MAX_VALUE, Epochs.MAX, 1 + Epochs.MAX_AHEAD + 1, -1L)) {
      List<Action> refused = connect("B", "liar", Mode.PRIMARY, claimed);
      assertThat(refused).filteredOn(Action.EndSession.class::isInstance).singleElement().satisfies(a -> {
        Action.EndSession end = (Action.EndSession) a;
        assertThat(end.cause()).isEqualTo(SessionEnd.IMPLAUSIBLE_EPOCH);
        assertThat(end.message()).startsWith("hello.epoch: " + claimed + " is");
      });
    }
    assertThat(member("B").getConnected()).isFalse();
    connect("B", "honest", Mode.BACKUP, 1 + Epochs.MAX_AHEAD);
    assertThat(member("B").getConnected()).isTrue();
    assertThat(pairOf("A").getEpoch()).isEqualTo(1 + Epochs.MAX_AHEAD);
  }

  @Test
  void aKeptStateUnderAnEpochNoManagementLayerIssuedIsNoMemory() {
    RedundancyController elected = new RedundancyController(SETTINGS, 20);
    elected.configure(Map.of("A", "B", "B", ""), SETTINGS, now);
    elected.remember(Map.of("A/B", PairMemory.newBuilder().setPrimary("B").setEpoch(Long.MAX_VALUE).build()));
    elected.connected(arrival("A", 1, Mode.PRIMARY, 14), now);
    elected.connected(arrival("B", 2, Mode.BACKUP, 14), now);
    assertThat(elected.status(now).getPairs(0).getEpoch()).isEqualTo(14);
  }

  /**
   * The pair kept B primary under the epoch B's acknowledgement named: under the old one, the
   * next leader took a frozen old primary's claim under that epoch for the primary's.
   */
  @Test
  void anAcknowledgementUnderAnotherEpochThanTheCommandsIsIgnored() {
    runningPairWithAPrimary();
    long before = pairOf("A").getEpoch();
    record(controller.switchoverRequested("A", 5, now));
    List<Action.SendMode> commands = takeSent();
    Action.SendMode toB = commands.get(0);
    assertThat(toB.epoch()).isGreaterThan(before);
    record(controller.modeAcknowledged("B", sessions.get("B"), toB.commandId(), Mode.PRIMARY, before, now));
    record(controller.modeAcknowledged("B", sessions.get("B"), toB.commandId(), Mode.PRIMARY, Long.MAX_VALUE, now));
    assertThat(member("B").getModeAcknowledged()).isFalse();
    assertThat(completed(5)).isNull();

    record(controller.modeAcknowledged("B", sessions.get("B"), toB.commandId(), Mode.PRIMARY, toB.epoch(), now));
    Action.SendMode toA = commands.get(1);
    record(controller.modeAcknowledged("A", sessions.get("A"), toA.commandId(), Mode.BACKUP, toA.epoch(), now));
    assertThat(completed(5).getResult()).isEqualTo(SwitchoverResult.DONE);
    assertThat(controller.memories().get("A/B")).extracting(PairMemory::getPrimary, PairMemory::getEpoch)
        .containsExactly("B", toB.epoch());
  }

  // ---- manual switchover -------------------------------------------------------------------------

  @Test
  void aManualSwitchoverFlipsThePairAndAnswersWithTheResult() {
    runningPairWithAPrimary();
    record(controller.switchoverRequested("B", 9, now));
    now = now.plusMillis(4);
    acknowledgeAll();
    SwitchoverReply reply = completed(9);
    assertThat(reply.getResult()).isEqualTo(SwitchoverResult.DONE);
    assertThat(reply.getPrimary()).isEqualTo("B");
    assertThat(reply.getDurationMs()).isEqualTo(4);
    assertThat(pairOf("A").getLastSwitchover().getCause()).isEqualTo(SwitchoverCause.MANUAL);
  }

  @Test
  void aManualSwitchoverIsRefusedWhenTheBackupIsNotReadyOrThereIsNoPair() {
    runningPairWithAPrimary();
    disconnect("B");
    record(controller.switchoverRequested("A", 1, now));
    assertThat(completed(1).getResult()).isEqualTo(SwitchoverResult.BACKUP_NOT_READY);
    assertThat(completed(1).getMessage()).contains("B is not connected");
    assertThat(member("A").getMode()).isEqualTo(Mode.PRIMARY);
    record(controller.switchoverRequested("S", 2, now));
    assertThat(completed(2).getResult()).isEqualTo(SwitchoverResult.NO_SUCH_PAIR);
    record(controller.switchoverRequested("nobody", 3, now));
    assertThat(completed(3).getResult()).isEqualTo(SwitchoverResult.NO_SUCH_PAIR);
  }

  // ---- failover ----------------------------------------------------------------------------------

  @Test
  void aPrimaryLostForTheTimeoutIsFailedOverToItsBackup() {
    runningPairWithAPrimary();
    disconnect("A");
    advance(Duration.ofMillis(4999));
    assertThat(takeSent()).isEmpty();
    advance(Duration.ofMillis(1));
    assertThat(takeSent()).singleElement().satisfies(s -> {
      assertThat(s.application()).isEqualTo("B");
      assertThat(s.mode()).isEqualTo(Mode.PRIMARY);
    });
    assertThat(logged(LogEvent.FAILOVER)).isTrue();
    acknowledgeAll();
    assertThat(pairOf("A").getLastSwitchover().getCause()).isEqualTo(SwitchoverCause.FAILOVER);
    assertThat(pairOf("A").getLastSwitchover().getResult()).isEqualTo(SwitchoverResult.DONE);

    connect("A");
    assertThat(takeSent()).singleElement().satisfies(s -> assertThat(s.mode()).isEqualTo(Mode.BACKUP));
  }

  @Test
  void aPrimaryThatReconnectsWithinTheTimeoutStaysPrimary() {
    runningPairWithAPrimary();
    disconnect("A");
    advance(Duration.ofSeconds(3));
    connect("A");
    assertThat(takeSent()).singleElement().satisfies(s -> assertThat(s.mode()).isEqualTo(Mode.PRIMARY));
    advance(Duration.ofSeconds(10));
    assertThat(takeSent()).isEmpty();
    assertThat(logged(LogEvent.FAILOVER)).isFalse();
  }

  @Test
  void theNewPrimaryVanishingMidSwitchoverTimesItOut() {
    runningPairWithAPrimary();
    record(controller.switchoverRequested("A", 4, now));
    takeSent();
    disconnect("B");
    assertThat(completed(4).getResult()).isEqualTo(SwitchoverResult.TIMED_OUT);
  }

  /**
   * The same process said hello again on a new stream before acknowledging PRIMARY: the operator
   * was answered TIMED_OUT ("lost before acknowledging") though it was never lost and the
   * switchover completed.
   */
  @Test
  void theNewPrimaryReopeningItsStreamMidSwitchoverStillCompletesIt() {
    runningPairWithAPrimary();
    record(controller.switchoverRequested("A", 4, now));
    Action.SendMode toB = takeSent().get(0);
    connect("B", "instance-of-B", Mode.BACKUP, pairOf("A").getEpoch());
    assertThat(completed(4)).as("not lost: the same process").isNull();
    assertThat(sent()).filteredOn(send -> send.application().equals("B")).last()
        .satisfies(again -> assertThat(again).extracting(Action.SendMode::mode, Action.SendMode::epoch)
            .containsExactly(Mode.PRIMARY, toB.epoch()));
    acknowledgeAll();
    assertThat(completed(4).getResult()).isEqualTo(SwitchoverResult.DONE);
    assertThat(completed(4).getPrimary()).isEqualTo("B");
  }

  @Test
  void theOldPrimaryVanishingMidSwitchoverStillCompletesIt() {
    runningPairWithAPrimary();
    report("A", AppStatus.SERVICE_UNAVAILABLE);
    List<Action.SendMode> commands = takeSent();
    disconnect("A");
    record(controller.modeAcknowledged("B", sessions.get("B"), commands.get(0).commandId(), Mode.PRIMARY,
        commands.get(0).epoch(), now));
    assertThat(pairOf("A").getLastSwitchover().getResult()).isEqualTo(SwitchoverResult.DONE);
    assertThat(member("B").getMode()).isEqualTo(Mode.PRIMARY);
  }

  // ---- configuration and flapping ----------------------------------------------------------------

  @Test
  void aPairAddedAtRunTimeTakesEffect() {
    record(controller.configure(Map.of("A", "B", "B", "", "S", "", "T", ""), SETTINGS, now));
    connect("S");
    connect("T");
    report("S", AppStatus.RUNNING);
    report("T", AppStatus.RUNNING);
    assertThat(takeSent()).extracting(Action.SendMode::mode).containsOnly(Mode.PRIMARY);

    record(controller.configure(Map.of("A", "B", "B", "", "S", "T", "T", ""), SETTINGS, now));
    assertThat(logged(LogEvent.PAIRS_CONFIGURED)).isTrue();
    List<Action.SendMode> paired = takeSent();
    assertThat(paired).as("S stays primary under the pair's first epoch, T becomes its backup")
        .extracting(Action.SendMode::application, Action.SendMode::mode)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("S", Mode.PRIMARY),
            org.assertj.core.groups.Tuple.tuple("T", Mode.BACKUP));
    assertThat(paired.get(0).epoch()).isEqualTo(paired.get(1).epoch())
        .isGreaterThan(member("S").getEpoch()).isGreaterThan(member("T").getEpoch());
    acknowledgeAll();
    record(controller.switchoverRequested("S", 8, now));
    acknowledgeAll();
    assertThat(completed(8).getResult()).isEqualTo(SwitchoverResult.DONE);
    assertThat(completed(8).getPrimary()).isEqualTo("T");
  }

  @Test
  void tooManyModeChangesWithinTheWindowRaiseTheFlappingAlarm() {
    runningPairWithAPrimary();
    for (int i = 0; i < 3; i++) {
      record(controller.switchoverRequested("A", 100 + i, now));
      acknowledgeAll();
      takeSent();
      advance(Duration.ofSeconds(1));
    }
    assertThat(logged(LogEvent.FLAPPING)).isFalse();
    record(controller.switchoverRequested("A", 200, now));
    acknowledgeAll();
    assertThat(logged(LogEvent.FLAPPING)).isTrue();
    assertThat(pairOf("A").getRecentModeChanges()).isEqualTo(4);
  }

  // ---- liveness: heartbeats, hung applications -------------------------------------------------

  @Test
  void aPrimaryWithoutHeartbeatsIsHungAndFailedOverAfterTheDisconnectTimeout() {
    runningPairWithAPrimary();
    frozen.add("A");
    advance(Duration.ofMillis(1999));
    assertThat(logged(LogEvent.APPLICATION_HUNG)).isFalse();
    advance(Duration.ofMillis(1));
    assertThat(logged(LogEvent.APPLICATION_HUNG)).as("silent for heartbeat-timeout").isTrue();
    assertThat(member("A").getHung()).isTrue();
    assertThat(member("A").getConnected()).as("its stream is still open").isTrue();

    advance(Duration.ofMillis(4999));
    assertThat(takeSent()).as("treated like a lost connection: failover only after disconnect-switchover-timeout")
        .isEmpty();
    advance(Duration.ofMillis(1));
    List<Action.SendMode> commands = takeSent();
    assertThat(commands).extracting(Action.SendMode::application, Action.SendMode::mode).containsExactly(
        org.assertj.core.groups.Tuple.tuple("B", Mode.PRIMARY),
        org.assertj.core.groups.Tuple.tuple("A", Mode.BACKUP));
    assertThat(commands.get(0).epoch()).as("a new primary, a new epoch").isGreaterThan(member("A").getEpoch());
    acknowledgeAll();
    var last = pairOf("A").getLastSwitchover();
    assertThat(last.getCause()).isEqualTo(SwitchoverCause.PRIMARY_HUNG);
    assertThat(last.getResult()).isEqualTo(SwitchoverResult.DONE);
    assertThat(last.getDetail()).startsWith("A hung: no heartbeat for 7000 ms");
  }

  @Test
  void aHungPrimaryWhoseBackupIsNotRunningIsNotFailedOverUntilItIs() {
    runningPairWithAPrimary();
    report("B", AppStatus.INITIALIZING);
    frozen.add("A");
    advance(Duration.ofSeconds(20));
    assertThat(takeSent()).as("B is not RUNNING: never promoted").isEmpty();
    report("B", AppStatus.RUNNING);
    advance(Duration.ofMillis(600));
    assertThat(takeSent()).extracting(Action.SendMode::application, Action.SendMode::mode)
        .contains(org.assertj.core.groups.Tuple.tuple("B", Mode.PRIMARY));
  }

  @Test
  void aThawedOldPrimaryIsToldBackupAtOnceWhenItsHeartbeatsResume() {
    runningPairWithAPrimary();
    frozen.add("A");
    advance(Duration.ofSeconds(8));
    acknowledgeAll(); // B acknowledges PRIMARY; A, frozen, acknowledges nothing
    takeSent();
    actions.clear();

    frozen.remove("A");
    record(controller.heartbeat("A", sessions.get("A"), now));
    assertThat(logged(LogEvent.HEARTBEATS_RESUMED)).isTrue();
    assertThat(takeSent()).singleElement().satisfies(s -> {
      assertThat(s.application()).isEqualTo("A");
      assertThat(s.mode()).isEqualTo(Mode.BACKUP);
      assertThat(s.epoch()).isEqualTo(pairOf("A").getEpoch());
    });
    assertThat(member("A").getHung()).isFalse();
    assertThat(member("B").getMode()).isEqualTo(Mode.PRIMARY);
  }

  @Test
  void aMemberHungBeforeItGotAModeIsMadeBackupWhenItsHeartbeatsResume() {
    connect("B");
    report("B", AppStatus.RUNNING); // A not heard of yet: B's mode is withheld
    frozen.add("B");
    advance(Duration.ofSeconds(3));
    assertThat(member("B").getHung()).isTrue();
    connect("A");
    report("A", AppStatus.RUNNING);
    assertThat(member("A").getMode()).as("B is hung: A is first to report RUNNING").isEqualTo(Mode.PRIMARY);
    takeSent();

    frozen.remove("B");
    advance(Duration.ofSeconds(1));
    assertThat(takeSent()).as("B, RUNNING before it froze, learns it is A's backup")
        .extracting(Action.SendMode::application, Action.SendMode::mode)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("B", Mode.BACKUP));
  }

  @Test
  void aPrimaryWhoseHeartbeatsResumeBeforeTheFailoverStaysPrimary() {
    runningPairWithAPrimary();
    frozen.add("A");
    advance(Duration.ofSeconds(3));
    assertThat(member("A").getHung()).isTrue();
    frozen.remove("A");
    advance(Duration.ofSeconds(10));
    assertThat(member("A").getMode()).isEqualTo(Mode.PRIMARY);
    assertThat(logged(LogEvent.FAILOVER)).isFalse();
  }

  @Test
  void applicationsAreToldTheHeartbeatIntervalOnConnectAndWhenTheTimeoutChanges() {
    List<Action> produced = connect("A");
    assertThat(produced).filteredOn(Action.SendSettings.class::isInstance).singleElement()
        .satisfies(a -> assertThat(((Action.SendSettings) a).heartbeatInterval()).isEqualTo(Duration.ofMillis(400)));
    RedundancySettings slower = new RedundancySettings(Duration.ofSeconds(5), Duration.ofSeconds(3), 3,
        Duration.ofSeconds(60), Duration.ofSeconds(10));
    assertThat(record(controller.configure(CONFIGURED, slower, now))).filteredOn(Action.SendSettings.class::isInstance)
        .singleElement().satisfies(a -> assertThat(((Action.SendSettings) a).heartbeatInterval())
            .isEqualTo(Duration.ofSeconds(2)));
  }

  // ---- one live process per application ----------------------------------------------------------

  @Test
  void aSecondInstanceIsRefusedWhileTheFirstHeartbeatsAndAcceptedOnceItIsLost() {
    runningPairWithAPrimary();
    long first = sessions.get("A");
    List<Action> refused = connect("A", "intruder", Mode.MODE_UNSPECIFIED, 0);
    assertThat(refused).filteredOn(Action.EndSession.class::isInstance).singleElement().satisfies(a -> {
      Action.EndSession end = (Action.EndSession) a;
      assertThat(end.session()).isNotEqualTo(first);
      assertThat(end.cause()).isEqualTo(SessionEnd.DUPLICATE);
      assertThat(end.message()).contains("instance-of-A", "client address A:1", "10.0.0.1:" + first);
      assertThat(end.retryFor()).as("it may ask again while A could still be found hung or lost")
          .isEqualTo(SETTINGS.heartbeatTimeout().plus(Duration.ofSeconds(15)));
    });
    assertThat(refused).noneMatch(Action.SendMode.class::isInstance);
    assertThat(member("A").getInstanceId()).isEqualTo("instance-of-A");
    assertThat(member("A").getMode()).isEqualTo(Mode.PRIMARY);
    advance(Duration.ofSeconds(1));
    assertThat(sessions.get("A")).as("the live instance keeps its stream").isEqualTo(first);

    disconnect("A");
    List<Action> accepted = connect("A", "successor", Mode.MODE_UNSPECIFIED, 0);
    assertThat(accepted).noneMatch(Action.EndSession.class::isInstance);
    advance(SETTINGS.disconnectSwitchoverTimeout());
    assertThat(member("A").getInstanceId()).as("in A's place once A could no longer return").isEqualTo("successor");
  }

  /** A hello on a new stream, whose session the test keeps apart from the member's: the session id. */
  private long hello(String app, String instance, Mode claimed, long epoch) {
    long session = ++nextSession;
    record(controller.connected(new Arrival(app, session, instance, app + ":2", "10.9.9.9:" + session, claimed,
        epoch), now));
    return session;
  }

  /** How stream {@code session} was ended, or null while it is open. */
  private Action.EndSession ended(long session) {
    return actions.stream().filter(Action.EndSession.class::isInstance).map(Action.EndSession.class::cast)
        .filter(end -> end.session() == session).findFirst().orElse(null);
  }

  private List<Action.SendMode> sentTo(long session) {
    return allSent.stream().filter(send -> send.session() == session).toList();
  }

  @Test
  void aDuplicateAskingAgainNeverTakesThePlaceOfALivePrimaryWhoseStreamBrokeForAMoment() {
    runningPairWithAPrimary();
    long epoch = pairOf("A").getEpoch();
    long refused = hello("A", "duplicate", Mode.MODE_UNSPECIFIED, 0);
    assertThat(ended(refused).cause()).isEqualTo(SessionEnd.DUPLICATE);
    advance(Duration.ofMillis(100));

    disconnect("A"); // the live primary's stream breaks; the process runs on as primary and reconnects
    advance(Duration.ofMillis(500));
    long asksAgain = hello("A", "duplicate", Mode.MODE_UNSPECIFIED, 0);
    assertThat(sentTo(asksAgain)).as("a different instance never inherits the mode of the one before it").isEmpty();
    assertThat(member("A").getInstanceId()).isNotEqualTo("duplicate");
    advance(Duration.ofMillis(300));

    connect("A", "instance-of-A", Mode.PRIMARY, epoch);
    assertThat(ended(sessions.get("A"))).as("the live instance is taken back").isNull();
    assertThat(ended(asksAgain)).as("the duplicate is refused once the live instance is back").isNotNull()
        .satisfies(end -> {
          assertThat(end.cause()).isEqualTo(SessionEnd.DUPLICATE);
          assertThat(end.message()).contains("instance-of-A");
          assertThat(end.retryFor()).isEqualTo(SETTINGS.duplicateRetryWindow());
        });
    assertThat(sentTo(sessions.get("A"))).extracting(Action.SendMode::mode, Action.SendMode::epoch)
        .as("the live primary keeps its mode and epoch").containsExactly(org.assertj.core.groups.Tuple.tuple(
            Mode.PRIMARY, epoch));
    acknowledgeAll();

    // The duplicate keeps asking for its retry window; it is refused every time.
    for (int i = 0; i < 10; i++) {
      advance(Duration.ofSeconds(1));
      long again = hello("A", "duplicate", Mode.MODE_UNSPECIFIED, 0);
      assertThat(ended(again)).as("asking again after %d s", i + 1).isNotNull();
      assertThat(sentTo(again)).isEmpty();
    }
    assertThat(member("A").getInstanceId()).isEqualTo("instance-of-A");
    assertThat(member("A").getMode()).isEqualTo(Mode.PRIMARY);
    assertThat(member("A").getModeAcknowledged()).isTrue();
    assertThat(logged(LogEvent.FAILOVER)).isFalse();
  }

  @Test
  void aPrimaryRestartedAfterACrashIsNotPrimaryUnderItsPredecessorsEpochAndRejoinsOnceTheFailoverTimeoutHasPassed() {
    runningPairWithAPrimary();
    long epoch = pairOf("A").getEpoch();
    Instant crashed = now;
    disconnect("A"); // kill -9: the connection closes with the process
    advance(Duration.ofSeconds(2));
    List<Action> accepted = connect("A", "restarted", Mode.MODE_UNSPECIFIED, 0);
    assertThat(accepted).as("accepted at once").noneMatch(Action.EndSession.class::isInstance)
        .anyMatch(Action.SendSettings.class::isInstance);
    assertThat(takeSent()).as("no mode while the instance before it may still be primary").isEmpty();
    assertThat(logged(LogEvent.NEWCOMER_WAITS)).isTrue();
    report("A", AppStatus.RUNNING);
    assertThat(takeSent()).isEmpty();

    advance(Duration.between(now, crashed.plus(SETTINGS.disconnectSwitchoverTimeout())));
    assertThat(takeSent()).as("at the failover timeout: the backup is promoted, the restarted process is its backup")
        .extracting(Action.SendMode::application, Action.SendMode::mode, Action.SendMode::epoch).containsExactly(
            org.assertj.core.groups.Tuple.tuple("B", Mode.PRIMARY, epoch + 1),
            org.assertj.core.groups.Tuple.tuple("A", Mode.BACKUP, epoch + 1));
    acknowledgeAll();
    assertThat(member("A").getInstanceId()).isEqualTo("restarted");
    assertThat(member("A").getConnected()).isTrue();
    assertThat(member("A").getModeAcknowledged()).isTrue();
    assertThat(pairOf("A").getLastSwitchover().getCause()).isEqualTo(SwitchoverCause.FAILOVER);
  }

  @Test
  void aPrimaryRestartedAfterACrashWhileItsBackupCannotServeIsPrimaryAgainUnderANewEpoch() {
    runningPairWithAPrimary();
    long epoch = pairOf("A").getEpoch();
    report("B", AppStatus.SERVICE_UNAVAILABLE);
    Instant crashed = now;
    disconnect("A");
    advance(Duration.ofSeconds(1));
    connect("A", "restarted", Mode.MODE_UNSPECIFIED, 0);
    report("A", AppStatus.RUNNING);
    advance(Duration.between(now, crashed.plus(SETTINGS.disconnectSwitchoverTimeout())));
    assertThat(takeSent()).as("the pair is not left without a primary")
        .extracting(Action.SendMode::application, Action.SendMode::mode).contains(
            org.assertj.core.groups.Tuple.tuple("A", Mode.PRIMARY));
    assertThat(sentTo(sessions.get("A"))).singleElement()
        .satisfies(send -> assertThat(send.epoch()).isGreaterThan(epoch));
  }

  @Test
  void aBackupRestartedAfterACrashIsBackupAgainOnceItsPredecessorCannotReturn() {
    runningPairWithAPrimary();
    Instant crashed = now;
    disconnect("B");
    advance(Duration.ofMillis(1500));
    connect("B", "restarted", Mode.MODE_UNSPECIFIED, 0);
    report("B", AppStatus.RUNNING);
    assertThat(takeSent()).isEmpty();
    advance(Duration.between(now, crashed.plus(SETTINGS.disconnectSwitchoverTimeout())));
    assertThat(takeSent()).extracting(Action.SendMode::application, Action.SendMode::mode)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("B", Mode.BACKUP));
    acknowledgeAll();
    assertThat(member("B").getInstanceId()).isEqualTo("restarted");
    assertThat(member("A").getMode()).isEqualTo(Mode.PRIMARY);
  }

  @Test
  void theSameInstanceReconnectingKeepsItsModeAndEpochAtOnce() {
    runningPairWithAPrimary();
    long epoch = pairOf("A").getEpoch();
    long before = sessions.get("A");
    disconnect("A");
    advance(Duration.ofMillis(700));
    List<Action> back = connect("A", "instance-of-A", Mode.PRIMARY, epoch);
    assertThat(back).noneMatch(Action.EndSession.class::isInstance);
    assertThat(sessions.get("A")).isNotEqualTo(before);
    assertThat(takeSent()).extracting(Action.SendMode::application, Action.SendMode::mode, Action.SendMode::epoch)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("A", Mode.PRIMARY, epoch));
    acknowledgeAll();
    advance(SETTINGS.disconnectSwitchoverTimeout().multipliedBy(2));
    assertThat(takeSent()).isEmpty();
    assertThat(logged(LogEvent.FAILOVER)).isFalse();
    assertThat(member("A").getModeAcknowledged()).isTrue();
  }

  @Test
  void afterAManagementLayerRestartTheInstanceRunningInTheMembersModeReplacesADuplicateThatSaidHelloFirst() {
    controller = new RedundancyController(SETTINGS);
    record(controller.configure(CONFIGURED, SETTINGS, now));
    connect("B", "instance-of-B", Mode.BACKUP, 7);
    long duplicate = hello("A", "duplicate", Mode.MODE_UNSPECIFIED, 0);
    long live = hello("A", "instance-of-A", Mode.PRIMARY, 7);
    assertThat(ended(live)).as("the instance running as primary is accepted").isNull();
    assertThat(ended(duplicate)).as("the one without a mode is the duplicate").isNotNull()
        .satisfies(end -> assertThat(end.cause()).isEqualTo(SessionEnd.DUPLICATE));
    assertThat(member("A").getInstanceId()).isEqualTo("instance-of-A");
    assertThat(member("A").getMode()).isEqualTo(Mode.PRIMARY);
    assertThat(sentTo(duplicate)).isEmpty();
  }

  @Test
  void anotherInstanceReplacesAHungOneOnceItCouldNoLongerReturnAndTheSameInstanceReplacesItsOwnStream() {
    runningPairWithAPrimary();
    long first = sessions.get("A");
    List<Action> again = connect("A", "instance-of-A", Mode.PRIMARY, member("A").getEpoch());
    assertThat(again).filteredOn(Action.EndSession.class::isInstance).singleElement()
        .satisfies(a -> assertThat(((Action.EndSession) a).session()).isEqualTo(first));
    assertThat(member("A").getMode()).as("its own reconnect changes nothing").isEqualTo(Mode.PRIMARY);

    frozen.add("A");
    advance(Duration.ofSeconds(2));
    assertThat(member("A").getHung()).isTrue();
    long hung = sessions.get("A");
    List<Action> successor = connect("A", "successor", Mode.MODE_UNSPECIFIED, 0);
    assertThat(successor).as("it waits while the hung one may still thaw").noneMatch(Action.EndSession.class::isInstance);
    frozen.remove("A"); // the successor sends heartbeats; the old process stays frozen
    advance(SETTINGS.disconnectSwitchoverTimeout());
    assertThat(ended(hung)).as("the hung one's stream is ended once it could no longer return").isNotNull();
    assertThat(member("A").getInstanceId()).isEqualTo("successor");
    assertThat(member("A").getHung()).isFalse();
  }

  @Test
  void aHungInstanceThatThawsBeforeItCouldBeReplacedKeepsItsPlaceAndTheWaitingOneIsRefused() {
    runningPairWithAPrimary();
    frozen.add("A");
    advance(SETTINGS.heartbeatTimeout());
    assertThat(member("A").getHung()).isTrue();
    long hung = sessions.get("A");
    long waiting = hello("A", "successor", Mode.MODE_UNSPECIFIED, 0);
    frozen.remove("A");
    advance(SETTINGS.heartbeatInterval());
    assertThat(ended(hung)).isNull();
    assertThat(ended(waiting)).isNotNull()
        .satisfies(end -> assertThat(end.cause()).isEqualTo(SessionEnd.DUPLICATE));
    assertThat(member("A").getInstanceId()).isEqualTo("instance-of-A");
    assertThat(sentTo(waiting)).isEmpty();
  }

  // ---- epochs ----------------------------------------------------------------------------------

  @Test
  void theEpochGrowsWhenThePrimaryChangesAndEveryCommandCarriesIt() {
    runningPairWithAPrimary();
    long first = pairOf("A").getEpoch();
    assertThat(member("A").getEpoch()).isEqualTo(first);
    assertThat(member("B").getEpoch()).isEqualTo(first);
    record(controller.switchoverRequested("A", 1, now));
    List<Action.SendMode> commands = takeSent();
    assertThat(commands).extracting(Action.SendMode::epoch).containsOnly(first + 1);
    acknowledgeAll();
    assertThat(pairOf("A").getEpoch()).isEqualTo(first + 1);
    assertThat(member("B").getEpoch()).isEqualTo(first + 1);

    disconnect("A");
    connect("A");
    assertThat(takeSent()).as("a reconnect re-sends the mode under the same epoch")
        .extracting(Action.SendMode::epoch).containsOnly(first + 1);
  }

  @Test
  void aClaimWithANewerEpochWinsOverAnOlderPrimaryAfterARestart() {
    RedundancyController restarted = new RedundancyController(SETTINGS);
    restarted.configure(Map.of("A", "B", "B", ""), SETTINGS, now);
    restarted.connected(arrival("A", 1, Mode.PRIMARY, 3), now);
    List<Action> newer = restarted.connected(arrival("B", 2, Mode.PRIMARY, 5), now);
    assertThat(newer).filteredOn(Action.SendMode.class::isInstance).singleElement().satisfies(a -> {
      Action.SendMode send = (Action.SendMode) a;
      assertThat(send.application()).isEqualTo("A");
      assertThat(send.mode()).isEqualTo(Mode.BACKUP);
      assertThat(send.epoch()).isEqualTo(5);
    });
  }

  // ---- forming and re-forming pairs ------------------------------------------------------------

  @Test
  void reFormingAPairWithTheSameMembersChangesNoMode() {
    runningPairWithAPrimary();
    long epoch = pairOf("A").getEpoch();
    record(controller.configure(Map.of("A", "", "B", "A", "S", ""), SETTINGS, now));
    assertThat(takeSent()).isEmpty();
    assertThat(member("A").getMode()).isEqualTo(Mode.PRIMARY);
    assertThat(member("B").getMode()).isEqualTo(Mode.BACKUP);
    assertThat(pairOf("A").getEpoch()).isEqualTo(epoch);
    assertThat(pairOf("A").getMembers(0).getApplication()).as("B names A now").isEqualTo("B");
  }

  @Test
  void aPairFormedAgainNeverPromotesAMemberThatIsNotConnectedAndRunning() {
    runningPairWithAPrimary();
    report("B", AppStatus.INITIALIZING);
    record(controller.configure(Map.of("A", "", "B", "", "S", ""), SETTINGS, now));
    assertThat(takeSent()).as("the backup is not RUNNING: not made a standalone primary").isEmpty();
    assertThat(member("B").getMode()).isEqualTo(Mode.MODE_UNSPECIFIED);
    record(controller.configure(Map.of("A", "", "B", "A", "S", ""), SETTINGS, now));
    assertThat(member("A").getMode()).isEqualTo(Mode.PRIMARY);
    report("B", AppStatus.RUNNING);
    assertThat(takeSent()).extracting(Action.SendMode::application, Action.SendMode::mode)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("B", Mode.BACKUP));

    record(controller.configure(Map.of("A", "", "B", "", "S", ""), SETTINGS, now));
    disconnect("A");
    assertThat(takeSent()).extracting(Action.SendMode::application, Action.SendMode::mode)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("B", Mode.PRIMARY));
    connect("A"); // restarted: INITIALIZING, told it is (standalone) primary
    takeSent();
    record(controller.configure(Map.of("A", "B", "B", "", "S", ""), SETTINGS, now));
    assertThat(takeSent()).as("both primary standalone: A is not RUNNING, so B stays primary")
        .extracting(Action.SendMode::application, Action.SendMode::mode).containsExactly(
            org.assertj.core.groups.Tuple.tuple("B", Mode.PRIMARY), org.assertj.core.groups.Tuple.tuple("A", Mode.BACKUP));
    assertThat(pairOf("A").getRecentModeChanges()).as("a re-formed pair counts for flapping").isPositive();
    assertThat(pairOf("A").getLastSwitchover().getCause()).isEqualTo(SwitchoverCause.PAIR_CONFIGURED);
  }

  @Test
  void aPauseOfTheManagementLayerItselfDoesNotMakeApplicationsHung() {
    runningPairWithAPrimary();
    advance(Duration.ofMillis(400));
    Instant pausedAt = now;
    now = now.plus(Duration.ofSeconds(30)); // this process was paused; heartbeats wait in the sockets
    record(controller.tick(now, List.of(new Pause(pausedAt, now))));
    assertThat(logged(LogEvent.APPLICATION_HUNG)).isFalse();
    advance(Duration.ofMillis(400));
    assertThat(member("A").getHung()).isFalse();
    assertThat(member("A").getMode()).isEqualTo(Mode.PRIMARY);

    frozen.add("A"); // a real silence is still found
    advance(Duration.ofSeconds(2));
    assertThat(member("A").getHung()).isTrue();
  }

  @Test
  void aLateTickIsNoPauseOfTheManagementLayer() {
    runningPairWithAPrimary();
    frozen.add("A");
    Instant frozenAt = now;
    // The loop was busy: ticks come 150 ms apart, and nothing says the process was paused.
    while (!member("A").getHung() && now.isBefore(frozenAt.plusSeconds(10))) {
      now = now.plusMillis(150);
      record(controller.tick(now));
    }
    assertThat(Duration.between(frozenAt, now)).as("found hung after heartbeat-timeout, however late the ticks")
        .isLessThanOrEqualTo(SETTINGS.heartbeatTimeout().plusMillis(150));
  }

  @Test
  void aPauseReportedWhileGoingOnAndAgainWholeIsExcusedOnce() {
    runningPairWithAPrimary();
    advance(Duration.ofMillis(400));
    frozen.add("A"); // A is frozen too: only the Management Layer's own pause is excused
    Instant pausedAt = now;
    now = now.plusSeconds(5);
    record(controller.tick(now, List.of(new Pause(pausedAt.plusMillis(10), now))));
    now = now.plusMillis(50);
    record(controller.tick(now, List.of(new Pause(pausedAt.plusMillis(10), now.minusMillis(45)))));
    record(controller.heartbeat("B", sessions.get("B"), now));
    assertThat(member("A").getHung()).isFalse();
    advance(SETTINGS.heartbeatTimeout().minusMillis(100));
    assertThat(member("A").getHung()).as("silent for less than heartbeat-timeout besides the pause").isFalse();
    advance(Duration.ofMillis(200));
    assertThat(member("A").getHung()).as("the pause counted once, not twice").isTrue();
  }

  @Test
  void aHeartbeatCountsFromWhenItWasReceivedNotFromWhenTheLoopGotToIt() {
    runningPairWithAPrimary();
    frozen.add("A");
    Instant received = now.plus(SETTINGS.heartbeatInterval());
    advance(SETTINGS.heartbeatTimeout().minusMillis(100));
    record(controller.heartbeat("A", sessions.get("A"), received, now));
    advance(Duration.ofMillis(600));
    assertThat(member("A").getHung()).as("silent since it was received, %s ago", Duration.between(received, now))
        .isTrue();
  }
}
