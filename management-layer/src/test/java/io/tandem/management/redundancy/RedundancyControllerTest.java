package io.tandem.management.redundancy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.common.logging.LogEvent;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.MemberStatus;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.PairStatus;
import io.tandem.management.v1.SwitchoverCause;
import io.tandem.management.v1.SwitchoverReply;
import io.tandem.management.v1.SwitchoverResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Management Layer's decisions, with a hand-moved clock: no sockets, no sleeps. */
class RedundancyControllerTest {
  private static final RedundancySettings SETTINGS =
      new RedundancySettings(Duration.ofSeconds(5), Duration.ofSeconds(3), 3, Duration.ofSeconds(60));

  private RedundancyController controller;
  private Instant now = Instant.parse("2026-01-01T00:00:00Z");
  private final List<Action> actions = new ArrayList<>();
  /** Every mode command ever sent, for the applications to acknowledge. */
  private final List<Action.SendMode> allSent = new ArrayList<>();
  private final Map<String, Long> sessions = new HashMap<>();
  private long nextSession;

  @BeforeEach
  void configurePair() {
    controller = new RedundancyController(SETTINGS);
    record(controller.configure(Map.of("A", "B", "B", "", "S", ""), now));
  }

  // ---- helpers -------------------------------------------------------------------------------

  private List<Action> record(List<Action> produced) {
    actions.addAll(produced);
    produced.stream().filter(Action.SendMode.class::isInstance).map(Action.SendMode.class::cast).forEach(allSent::add);
    return produced;
  }

  private void advance(Duration d) {
    now = now.plus(d);
    record(controller.tick(now));
  }

  private void connect(String app) {
    long session = ++nextSession;
    sessions.put(app, session);
    record(controller.connected(app, session, app + ":1", Mode.MODE_UNSPECIFIED, now));
  }

  private void disconnect(String app) {
    record(controller.disconnected(app, sessions.get(app), now));
  }

  private List<Action> report(String app, AppStatus status) {
    return record(controller.statusReported(app, sessions.get(app), status, "", now));
  }

  /** The applications acknowledge every mode command sent so far (the controller ignores stale ones). */
  private void acknowledgeAll() {
    for (Action.SendMode send : List.copyOf(allSent)) {
      if (sessions.containsKey(send.application())) {
        record(controller.modeAcknowledged(send.application(), sessions.get(send.application()), send.commandId(),
            send.mode(), now));
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
    other.configure(Map.of("A", "B", "B", ""), now);
    other.connected("B", 1, "", Mode.MODE_UNSPECIFIED, now);
    other.statusReported("B", 1, AppStatus.RUNNING, "", now);
    other.connected("A", 2, "", Mode.MODE_UNSPECIFIED, now);
    assertThat(other.statusReported("A", 2, AppStatus.SERVICE_UNAVAILABLE, "", now))
        .filteredOn(Action.SendMode.class::isInstance).singleElement()
        .satisfies(a -> assertThat(((Action.SendMode) a).mode()).isEqualTo(Mode.BACKUP));
  }

  @Test
  void afterAManagementLayerRestartTheModesTheApplicationsRunInAreAdopted() {
    RedundancyController restarted = new RedundancyController(SETTINGS);
    restarted.configure(Map.of("A", "B", "B", ""), now);
    assertThat(restarted.connected("B", 1, "", Mode.PRIMARY, now)).noneMatch(Action.SendMode.class::isInstance);
    assertThat(restarted.connected("A", 2, "", Mode.BACKUP, now)).noneMatch(Action.SendMode.class::isInstance);
    assertThat(restarted.statusReported("A", 2, AppStatus.RUNNING, "", now)).noneMatch(Action.SendMode.class::isInstance);
    assertThat(restarted.statusReported("B", 1, AppStatus.RUNNING, "", now)).noneMatch(Action.SendMode.class::isInstance);
    var members = restarted.status(now).getPairs(0).getMembersList();
    assertThat(members).extracting(MemberStatus::getApplication, MemberStatus::getMode).containsExactly(
        org.assertj.core.groups.Tuple.tuple("A", Mode.BACKUP), org.assertj.core.groups.Tuple.tuple("B", Mode.PRIMARY));

    RedundancyController conflict = new RedundancyController(SETTINGS);
    conflict.configure(Map.of("A", "B", "B", ""), now);
    conflict.connected("A", 1, "", Mode.PRIMARY, now);
    conflict.connected("B", 2, "", Mode.PRIMARY, now);
    assertThat(conflict.status(now).getPairs(0).getMembersList()).extracting(MemberStatus::getMode)
        .as("the second claim of PRIMARY is not adopted").containsExactly(Mode.PRIMARY, Mode.MODE_UNSPECIFIED);
    assertThat(conflict.statusReported("B", 2, AppStatus.RUNNING, "", now))
        .filteredOn(Action.SendMode.class::isInstance).singleElement()
        .satisfies(a -> assertThat(((Action.SendMode) a).mode()).isEqualTo(Mode.BACKUP));
  }

  @Test
  void unknownApplicationsAreNotKnown() {
    assertThat(controller.knows("A")).isTrue();
    assertThat(controller.knows("Z")).isFalse();
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
    record(controller.modeAcknowledged("B", sessions.get("B"), toB.commandId() - 100, Mode.PRIMARY, now));
    record(controller.modeAcknowledged("B", sessions.get("B"), toB.commandId(), Mode.BACKUP, now));
    assertThat(member("B").getModeAcknowledged()).isFalse();
    assertThat(completed(5)).isNull();
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

  @Test
  void theOldPrimaryVanishingMidSwitchoverStillCompletesIt() {
    runningPairWithAPrimary();
    report("A", AppStatus.SERVICE_UNAVAILABLE);
    List<Action.SendMode> commands = takeSent();
    disconnect("A");
    record(controller.modeAcknowledged("B", sessions.get("B"), commands.get(0).commandId(), Mode.PRIMARY, now));
    assertThat(pairOf("A").getLastSwitchover().getResult()).isEqualTo(SwitchoverResult.DONE);
    assertThat(member("B").getMode()).isEqualTo(Mode.PRIMARY);
  }

  // ---- configuration and flapping ----------------------------------------------------------------

  @Test
  void aPairAddedAtRunTimeTakesEffect() {
    record(controller.configure(Map.of("A", "B", "B", "", "S", "", "T", ""), now));
    connect("S");
    connect("T");
    report("S", AppStatus.RUNNING);
    report("T", AppStatus.RUNNING);
    assertThat(takeSent()).extracting(Action.SendMode::mode).containsOnly(Mode.PRIMARY);

    record(controller.configure(Map.of("A", "B", "B", "", "S", "T", "T", ""), now));
    assertThat(logged(LogEvent.PAIRS_CONFIGURED)).isTrue();
    assertThat(takeSent()).singleElement().satisfies(s -> {
      assertThat(s.application()).isEqualTo("T");
      assertThat(s.mode()).isEqualTo(Mode.BACKUP);
    });
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
}
