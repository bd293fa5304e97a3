package io.tandem.protocol.reload;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.protocol.health.Availability;
import io.tandem.protocol.log.LogEvent;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.ModeCommand;
import io.tandem.stat.v1.ConfigState;
import io.tandem.stat.v1.ReloadMode;
import io.tandem.stat.v1.Role;
import io.tandem.stat.v1.ServerInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every transition of the reload protocol (docs/architecture.md), with a hand-moved clock: no sockets, no sleeps. */
class ReloadStateMachineTest {
  private static final ReloadOptions PROTECTING = ReloadOptions.DEFAULTS.withDelayIfPrimary(true)
      .withBackupCheckInterval(Duration.ofMillis(100)).withPeer("StatServer_B");

  private final ReloadStateMachine machine = new ReloadStateMachine("StatServer_A");
  private final List<Action> actions = new ArrayList<>();
  private Instant now = Instant.parse("2026-01-01T00:00:00Z");
  private long commandIds;

  @BeforeEach
  void loaded() {
    record(machine.managementConnected(now));
    record(machine.start(now));
    record(machine.loaded(1000, 80, now));
  }

  // ---- helpers -------------------------------------------------------------------------------

  private List<Action> record(List<Action> produced) {
    actions.addAll(produced);
    return produced;
  }

  private List<Action> take() {
    List<Action> taken = List.copyOf(actions);
    actions.clear();
    return taken;
  }

  private void advance(Duration d) {
    now = now.plus(d);
    record(machine.tick(now));
  }

  private long epoch = 1;

  private List<Action> mode(Mode mode) {
    return mode(mode, epoch++);
  }

  private List<Action> mode(Mode mode, long commandEpoch) {
    return record(machine.modeCommand(ModeCommand.newBuilder().setCommandId(++commandIds).setMode(mode)
        .setEpoch(commandEpoch).setReason("test").build(), now));
  }

  private static PeerProbe ready() {
    return new PeerProbe(true, "SERVING", ConfigState.SYNCED, Long.MAX_VALUE, Role.BACKUP, ReloadMode.NORMAL, 0);
  }

  private static PeerProbe notReady(String why) {
    return PeerProbe.notReady(why);
  }

  private List<Action> options(ReloadOptions options) {
    return record(machine.optionsChanged(options, now));
  }

  private List<Action> expired() {
    return record(machine.historyExpired(10, 40, 50, now));
  }

  private static boolean has(List<Action> actions, Class<? extends Action> type) {
    return actions.stream().anyMatch(type::isInstance);
  }

  private static boolean logged(List<Action> actions, LogEvent event) {
    return actions.stream().anyMatch(a -> a instanceof Action.Log log && log.event() == event);
  }

  private static List<Action.ReportStatus> reports(List<Action> actions) {
    return actions.stream().filter(Action.ReportStatus.class::isInstance).map(Action.ReportStatus.class::cast).toList();
  }

  private void primaryInProtectedMode() {
    options(PROTECTING);
    mode(Mode.PRIMARY);
    take();
    record(machine.connectionLost("UNAVAILABLE", now));
    expired();
  }

  // ---- start-up and session restore --------------------------------------------------------------

  @Test
  void startsLoadingNotServingAndServesOnceLoadedAndGivenAMode() {
    ReloadStateMachine fresh = new ReloadStateMachine("S");
    assertThat(fresh.start(now)).hasAtLeastOneElementOfType(Action.LoadConfiguration.class);
    assertThat(fresh.notServingReason()).isEqualTo("loading configuration");
    assertThat(fresh.loaded(5, 1, now)).anyMatch(a -> a instanceof Action.Log l && l.event() == LogEvent.CONFIG_LOADED);
    fresh.optionsChanged(PROTECTING, now);
    assertThat(fresh.notServingReason()).isEqualTo("waiting for a mode from the Management Layer");
    assertThat(fresh.availability()).isEqualTo(Availability.UNAVAILABLE);
    fresh.modeCommand(ModeCommand.newBuilder().setMode(Mode.PRIMARY).build(), now);
    assertThat(fresh.notServingReason()).isNull();
    assertThat(fresh.availability()).isEqualTo(Availability.SERVING);
  }

  @Test
  void aRestoredSessionNeedsNoReload() {
    options(PROTECTING);
    mode(Mode.PRIMARY);
    take();
    List<Action> lost = record(machine.connectionLost("UNAVAILABLE: connection refused", now));
    assertThat(lost).hasAtLeastOneElementOfType(Action.RestoreSession.class);
    assertThat(machine.configState()).isEqualTo(ConfigState.DISCONNECTED);
    assertThat(machine.notServingReason()).as("serves with the configuration in hand").isNull();
    List<Action> restored = record(machine.sessionRestored(50, 57, 7, now));
    assertThat(logged(restored, LogEvent.CONFIG_SESSION_RESTORED)).isTrue();
    assertThat(has(restored, Action.Reload.class)).isFalse();
    assertThat(logged(take(), LogEvent.NORMAL_RELOAD_STARTED)).isFalse();
    assertThat(machine.configState()).isEqualTo(ConfigState.SYNCED);
  }

  // ---- normal mode -------------------------------------------------------------------------------

  /** The one reload {@code produced} holds, for {@code cause}, in the words {@code detail}. */
  private Action.Reload assertNormalReload(List<Action> produced, Action.Reload.Cause cause, String detail) {
    Action.Reload reload = produced.stream().filter(Action.Reload.class::isInstance).map(Action.Reload.class::cast)
        .reduce((x, y) -> {
          throw new AssertionError("two reloads: " + produced);
        }).orElseThrow(() -> new AssertionError("no reload: " + produced));
    assertThat(reload.cause()).isEqualTo(cause);
    assertThat(reload.detail()).isEqualTo(detail);
    assertThat(machine.reloadUnderWay()).contains(reload);
    assertThat(logged(produced, LogEvent.NORMAL_RELOAD_STARTED)).isTrue();
    assertThat(logged(produced, LogEvent.PROTECTED_MODE_STARTED)).isFalse();
    assertThat(machine.configState()).isEqualTo(ConfigState.RELOADING);
    assertThat(machine.notServingReason()).isEqualTo("reloading configuration");
    assertThat(reports(produced)).extracting(Action.ReportStatus::status).containsExactly(AppStatus.INITIALIZING);
    return reload;
  }

  @Test
  void aBackupReloadsAtOnce() {
    options(PROTECTING);
    mode(Mode.BACKUP);
    assertThat(assertNormalReload(expired(), Action.Reload.Cause.SESSION_EXPIRED, "backup").coveredSince())
        .as("a backup may go dark").isNull();
  }

  @Test
  void aStandaloneServerReloadsAtOnce() {
    options(PROTECTING.withPeer(""));
    mode(Mode.PRIMARY);
    assertThat(machine.role()).isEqualTo(Role.STANDALONE);
    assertNormalReload(expired(), Action.Reload.Cause.SESSION_EXPIRED, "standalone");
  }

  @Test
  void aPrimaryWithTheOptionFalseReloadsAtOnce() {
    options(PROTECTING.withDelayIfPrimary(false));
    mode(Mode.PRIMARY);
    assertThat(assertNormalReload(expired(), Action.Reload.Cause.SESSION_EXPIRED,
        "config-reload-delay-if-primary = false").coveredSince()).as("dark by configuration").isNull();
  }

  @Test
  void aPrimaryWhoseBackupRefusesClientsReloadsAtOnce() {
    options(PROTECTING.withPeerAcceptsClients(false));
    mode(Mode.PRIMARY);
    assertNormalReload(expired(), Action.Reload.Cause.SESSION_EXPIRED,
        "backup StatServer_B has accept-clients-in-backup-mode = no");
  }

  // ---- serve-during-reload: the table in stat-server/README.md ---------------------------------------

  private static final ReloadOptions SERVING_THROUGH = ReloadOptions.DEFAULTS.withServeDuringReload(true)
      .withBackupCheckInterval(Duration.ofMillis(100)).withPeer("StatServer_B");

  /** The session expired: where the machine goes, and whether the port serves meanwhile. */
  private void expiresWhileIn(Mode memberMode, ReloadOptions options) {
    options(options);
    if (memberMode != Mode.MODE_UNSPECIFIED) {
      mode(memberMode);
    }
    take();
    record(machine.connectionLost("UNAVAILABLE", now));
    expired();
  }

  /** The value logged under {@code key} in the first {@code event} among {@code produced}. */
  private static Object logged(List<Action> produced, LogEvent event, String key) {
    List<Object> details = produced.stream().filter(a -> a instanceof Action.Log log && log.event() == event)
        .map(a -> ((Action.Log) a).line().details()).findFirst().orElseThrow();
    return details.get(details.indexOf(key) + 1);
  }

  @Test
  void withTheOptionAloneAPrimaryReloadsAtOnceAndKeepsServingTheConfigurationInHand() {
    expiresWhileIn(Mode.PRIMARY, SERVING_THROUGH);
    List<Action> started = take();
    assertThat(has(started, Action.Reload.class)).isTrue();
    assertThat(machine.configState()).isEqualTo(ConfigState.RELOADING);
    assertThat(machine.notServingReason()).isNull();
    assertThat(machine.availability()).isEqualTo(Availability.SERVING);
    assertThat(logged(started, LogEvent.NORMAL_RELOAD_STARTED, "serving")).isEqualTo(true);

    List<Action> done = record(machine.loaded(100_000, 300, now));
    assertThat(logged(done, LogEvent.NORMAL_RELOAD_FINISHED, "serving")).isEqualTo(true);
    assertThat(machine.configState()).isEqualTo(ConfigState.SYNCED);
    assertThat(machine.notServingReason()).isNull();
  }

  @Test
  void withTheOptionAloneABackupReloadsAtOnceAndKeepsServing() {
    expiresWhileIn(Mode.BACKUP, SERVING_THROUGH);
    assertThat(machine.configState()).isEqualTo(ConfigState.RELOADING);
    assertThat(machine.availability()).isEqualTo(Availability.SERVING);
  }

  @Test
  void withTheOptionAStandaloneServerKeepsServingThroughItsReload() {
    expiresWhileIn(Mode.MODE_UNSPECIFIED, ReloadOptions.DEFAULTS.withServeDuringReload(true));
    assertThat(machine.role()).isEqualTo(Role.STANDALONE);
    assertThat(machine.configState()).isEqualTo(ConfigState.RELOADING);
    assertThat(machine.availability()).isEqualTo(Availability.SERVING);
  }

  @Test
  void withoutTheOptionANormalReloadIsDarkAsTheProductPageDocuments() {
    expiresWhileIn(Mode.PRIMARY, SERVING_THROUGH.withServeDuringReload(false));
    List<Action> started = take();
    assertThat(machine.configState()).isEqualTo(ConfigState.RELOADING);
    assertThat(machine.notServingReason()).isEqualTo("reloading configuration");
    assertThat(logged(started, LogEvent.NORMAL_RELOAD_STARTED, "serving")).isEqualTo(false);
  }

  @Test
  void withProtectedModeThePrimaryStillProtectsAndTheOptionChangesNothingForIt() {
    expiresWhileIn(Mode.PRIMARY, SERVING_THROUGH.withDelayIfPrimary(true));
    assertThat(machine.configState()).isEqualTo(ConfigState.DELAYED);
    assertThat(has(take(), Action.Reload.class)).isFalse();
    assertThat(machine.notServingReason()).isNull();
  }

  @Test
  void withProtectedModeTheBackupReloadsServingAndIsNotReadyUntilItsConfigurationReachesTheHead() {
    // This machine is the protecting primary; the backup is a machine of its own, reloading while serving.
    primaryInProtectedMode();
    ReloadStateMachine backup = new ReloadStateMachine("StatServer_B");
    backup.start(now);
    backup.loaded(1000, 80, now);
    backup.optionsChanged(SERVING_THROUGH.withDelayIfPrimary(true).withPeer("StatServer_A"), now);
    backup.modeCommand(ModeCommand.newBuilder().setMode(Mode.BACKUP).setEpoch(1).build(), now);
    backup.connectionLost("UNAVAILABLE", now);
    backup.historyExpired(10, 40, 50, now);
    assertThat(backup.configState()).isEqualTo(ConfigState.RELOADING);
    assertThat(backup.availability()).isEqualTo(Availability.SERVING);
    take();

    // What the primary's probe reads of it meanwhile, as its GetServerInfo says it.
    ServerInfo info = ServerInfo.newBuilder().setConfigState(backup.configState()).setRole(backup.role())
        .setReloadMode(backup.reloadMode()).setEpoch(backup.epoch()).setLastEventId(10).setServing(true).build();
    List<Action> probed = record(machine.probed(PeerProbe.serving("localhost:2041", info), now));
    assertThat(logged(probed, LogEvent.BACKUP_READY)).as("a backup serving its old configuration is not ready")
        .isFalse();
    assertThat(machine.backupReady()).isFalse();
    assertThat(machine.status()).isNotEqualTo(AppStatus.SERVICE_UNAVAILABLE);

    backup.loaded(1000, 300, now);
    ServerInfo reloaded = info.toBuilder().setConfigState(backup.configState()).setLastEventId(50).build();
    assertThat(logged(record(machine.probed(PeerProbe.serving("localhost:2041", reloaded), now)),
        LogEvent.BACKUP_READY)).as("ready once reloaded to the head").isTrue();
  }

  @Test
  void aBackupThatTakesNoClientsStandsByThroughItsReloadAsBefore() {
    expiresWhileIn(Mode.BACKUP, SERVING_THROUGH.withAcceptClientsInBackup(false));
    List<Action> started = take();
    assertThat(machine.configState()).isEqualTo(ConfigState.RELOADING);
    assertThat(machine.availability()).isEqualTo(Availability.STANDING_BY);
    assertThat(logged(started, LogEvent.NORMAL_RELOAD_STARTED, "serving")).isEqualTo(false);
  }

  @Test
  void aFailedReloadKeepsServingTheConfigurationInHandAndRetriesWithoutADarkSpan() {
    expiresWhileIn(Mode.PRIMARY, SERVING_THROUGH);
    take();
    assertThat(machine.configState()).isEqualTo(ConfigState.RELOADING);
    assertThat(machine.notServingReason()).as("serving while it reloads").isNull();
    record(machine.reloadFailed("RESOURCE_EXHAUSTED: out of memory", now));
    assertThat(machine.configState()).isEqualTo(ConfigState.DISCONNECTED);
    assertThat(machine.notServingReason()).isNull();
    record(machine.historyExpired(10, 40, 60, now));
    assertThat(machine.configState()).as("the retry waits out the back-off").isEqualTo(ConfigState.DISCONNECTED);
    assertThat(machine.notServingReason()).isNull();
    advance(Duration.ofMillis(500));
    assertThat(machine.configState()).isEqualTo(ConfigState.RELOADING);
    assertThat(machine.notServingReason()).isNull();
  }

  @Test
  void aReloadThatDidNotServeThroughoutSaysSoWhenItFinishes() {
    expiresWhileIn(Mode.BACKUP, SERVING_THROUGH);
    take();
    options(SERVING_THROUGH.withAcceptClientsInBackup(false));
    assertThat(machine.availability()).as("a backup that stopped taking clients").isEqualTo(Availability.STANDING_BY);
    options(SERVING_THROUGH);
    assertThat(machine.availability()).isEqualTo(Availability.SERVING);
    assertThat(logged(record(machine.loaded(10, 5, now)), LogEvent.NORMAL_RELOAD_FINISHED, "serving"))
        .as("it stood by for a moment").isEqualTo(false);
  }

  @Test
  void theOptionTurnedOffDuringAReloadTakesEffectAtTheNextOne() {
    expiresWhileIn(Mode.PRIMARY, SERVING_THROUGH);
    options(SERVING_THROUGH.withServeDuringReload(false));
    assertThat(machine.notServingReason()).as("the reload under way keeps what it started with").isNull();
    record(machine.loaded(10, 5, now));
    record(machine.connectionLost("UNAVAILABLE", now));
    record(machine.historyExpired(10, 40, 70, now));
    assertThat(machine.configState()).isEqualTo(ConfigState.RELOADING);
    assertThat(machine.notServingReason()).isEqualTo("reloading configuration");
  }

  @Test
  void aNormalReloadFinishesWithItsFiguresAndServesAgain() {
    options(PROTECTING);
    mode(Mode.BACKUP);
    expired();
    take();
    List<Action> done = record(machine.loaded(100_000, 212, now));
    assertThat(done).anySatisfy(a -> assertThat(a).isEqualTo(new Action.Log(LogEvent.NORMAL_RELOAD_FINISHED,
        "application", "StatServer_A", "objects", 100_000L, "ms", 212L, "serving", false)));
    assertThat(reports(done)).extracting(Action.ReportStatus::status).containsExactly(AppStatus.RUNNING);
    assertThat(machine.reloadCount()).isEqualTo(1);
    assertThat(machine.lastReloadMillis()).isEqualTo(212);
    assertThat(machine.notServingReason()).isNull();
  }

  @Test
  void aModeChangeDuringANormalReloadIsAcknowledgedAndAppliesWhenItEnds() {
    options(PROTECTING);
    mode(Mode.BACKUP);
    expired();
    List<Action> promoted = mode(Mode.PRIMARY);
    assertThat(promoted).hasAtLeastOneElementOfType(Action.AcknowledgeMode.class);
    assertThat(has(promoted, Action.Reload.class)).isFalse();
    assertThat(machine.configState()).isEqualTo(ConfigState.RELOADING);
    assertThat(machine.notServingReason()).isEqualTo("reloading configuration");
    record(machine.loaded(10, 5, now));
    assertThat(machine.role()).isEqualTo(Role.PRIMARY);
    assertThat(machine.notServingReason()).isNull();
  }

  @Test
  void aFailedReloadServesTheConfigurationInHandAndRestoresAgain() {
    options(PROTECTING);
    mode(Mode.BACKUP);
    expired();
    List<Action> failed = record(machine.reloadFailed("UNAVAILABLE", now));
    assertThat(failed).hasAtLeastOneElementOfType(Action.RestoreSession.class);
    assertThat(logged(failed, LogEvent.CONFIG_RELOAD_FAILED)).isTrue();
    assertThat(machine.configState()).isEqualTo(ConfigState.DISCONNECTED);
    assertThat(machine.notServingReason()).isNull();
  }

  @Test
  void aReloadWaitingAfterAFailureProtectsThePairIfTheServerWasMadePrimaryMeanwhile() {
    options(PROTECTING);
    mode(Mode.BACKUP);
    expired();
    record(machine.reloadFailed("UNAVAILABLE", now));
    List<Action> again = expired();
    assertThat(has(again, Action.Reload.class)).as("the retry waits").isFalse();
    mode(Mode.PRIMARY);
    take();
    advance(ReloadStateMachine.RELOAD_RETRY_FIRST);
    List<Action> due = take();
    assertThat(has(due, Action.Reload.class)).as("a primary would take the pair dark").isFalse();
    assertThat(logged(due, LogEvent.PROTECTED_MODE_STARTED)).isTrue();
    assertThat(machine.reloadMode()).isEqualTo(ReloadMode.PROTECTED);
  }

  @Test
  void aBackupThatRefusesClientsDoesNotServe() {
    options(PROTECTING.withAcceptClientsInBackup(false).withPeer("StatServer_A"));
    mode(Mode.BACKUP);
    assertThat(machine.notServingReason()).isEqualTo("backup mode; accept-clients-in-backup-mode = no");
    assertThat(machine.availability()).as("in service all the same").isEqualTo(Availability.STANDING_BY);
  }

  // ---- protected mode ----------------------------------------------------------------------------

  @Test
  void aPrimaryEntersProtectedModeClosesItsSessionAndKeepsServing() {
    primaryInProtectedMode();
    List<Action> entered = take();
    assertThat(entered).hasAtLeastOneElementOfType(Action.CloseSession.class);
    assertThat(entered).anySatisfy(a -> assertThat(a).isEqualTo(new Action.ProbeBackup(50)));
    assertThat(logged(entered, LogEvent.PROTECTED_MODE_STARTED)).isTrue();
    assertThat(logged(entered, LogEvent.NORMAL_RELOAD_STARTED)).isFalse();
    assertThat(has(entered, Action.Reload.class)).isFalse();
    assertThat(machine.reloadMode()).isEqualTo(ReloadMode.PROTECTED);
    assertThat(machine.configState()).isEqualTo(ConfigState.DELAYED);
    assertThat(machine.notServingReason()).isNull();
  }

  @Test
  void aServingBackupIsReadyOnlyOnceReloadedToTheHeadTheSessionExpiredAt() {
    primaryInProtectedMode();
    take();
    List<Action> stale = record(machine.probed(new PeerProbe(true, "B SERVING", ConfigState.DISCONNECTED, 60,
        Role.BACKUP, ReloadMode.NORMAL, 1), now));
    assertThat(reports(stale)).as("serving its old configuration: about to reload itself").isEmpty();
    assertThat(stale).anySatisfy(a -> assertThat(a).isEqualTo(new Action.Log(LogEvent.BACKUP_PROBE_FAILED,
        "application", "StatServer_A", "backup", "StatServer_B",
        "result", "B SERVING but its configuration is at event 60 (DISCONNECTED), not yet reloaded to 50")));
    List<Action> behind = record(machine.probed(new PeerProbe(true, "B SERVING", ConfigState.SYNCED, 49,
        Role.BACKUP, ReloadMode.NORMAL, 1), now));
    assertThat(reports(behind)).isEmpty();
    List<Action> fresh = record(machine.probed(new PeerProbe(true, "B SERVING", ConfigState.SYNCED, 50,
        Role.BACKUP, ReloadMode.NORMAL, 1), now));
    assertThat(reports(fresh)).extracting(Action.ReportStatus::status).containsExactly(AppStatus.SERVICE_UNAVAILABLE);
  }

  @Test
  void theBackupIsProbedEveryIntervalUntilItServesThenServiceUnavailableIsReported() {
    primaryInProtectedMode();
    take();
    List<Action> failed = record(machine.probed(notReady("NOT_SERVING"), now));
    assertThat(logged(failed, LogEvent.BACKUP_PROBE_FAILED)).isTrue();
    advance(Duration.ofMillis(99));
    assertThat(has(take(), Action.ProbeBackup.class)).isFalse();
    advance(Duration.ofMillis(1));
    assertThat(has(take(), Action.ProbeBackup.class)).isTrue();
    assertThat(logged(record(machine.probed(notReady("NOT_SERVING"), now)), LogEvent.BACKUP_PROBE_FAILED))
        .as("the same failure is logged once").isFalse();

    List<Action> ready = record(machine.probed(ready(), now));
    assertThat(logged(ready, LogEvent.BACKUP_READY)).isTrue();
    assertThat(logged(ready, LogEvent.SERVICE_UNAVAILABLE_SENT)).isTrue();
    assertThat(reports(ready)).extracting(Action.ReportStatus::status).containsExactly(AppStatus.SERVICE_UNAVAILABLE);
    assertThat(machine.notServingReason()).as("still serving while waiting for the switchover").isNull();
    advance(Duration.ofMillis(100));
    assertThat(has(take(), Action.ProbeBackup.class)).as("probes go on while the switchover is awaited").isTrue();
    assertThat(record(machine.probed(ready(), now))).as("a backup found ready is reported once").isEmpty();
  }

  @Test
  void aPrimaryAwaitingItsSwitchoverGivesWayToAPeerThatWasMadeAProtectedPrimaryMeanwhile() {
    primaryInProtectedMode();
    record(machine.probed(ready(), now));
    take();
    // Cut off from the Management Layer, this server never heard it was made backup; its peer was
    // made primary under a newer epoch, and its own session expired too.
    List<Action> peerProtected = record(machine.probed(new PeerProbe(true, "B SERVING", ConfigState.DELAYED, 60,
        Role.PRIMARY, ReloadMode.PROTECTED, machine.epoch() + 1), now));
    assertThat(logged(peerProtected, LogEvent.GAVE_WAY)).isTrue();
    assertThat(peerProtected).filteredOn(Action.Reload.class::isInstance).singleElement()
        .satisfies(r -> assertThat(((Action.Reload) r).cause()).isEqualTo(Action.Reload.Cause.GAVE_WAY));
  }

  @Test
  void serviceUnavailableIsRetriedUntilDelivered() {
    primaryInProtectedMode();
    record(machine.probed(ready(), now));
    long id = reports(take()).get(0).reportId();
    advance(Duration.ofMillis(100));
    assertThat(reports(take())).extracting(Action.ReportStatus::reportId, Action.ReportStatus::status)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(id, AppStatus.SERVICE_UNAVAILABLE));
    record(machine.managementLost("UNAVAILABLE", now));
    advance(Duration.ofMillis(500));
    assertThat(reports(take())).as("nothing to send to while disconnected").isEmpty();
    assertThat(reports(record(machine.managementConnected(now)))).extracting(Action.ReportStatus::status)
        .containsExactly(AppStatus.SERVICE_UNAVAILABLE);
    assertThat(logged(record(machine.statusDelivered(id, now)), LogEvent.STATUS_DELIVERED)).isTrue();
    take();
    advance(Duration.ofMillis(300));
    assertThat(reports(take())).isEmpty();
  }

  @Test
  void becomingBackupEndsProtectedModeWithANormalReload() {
    primaryInProtectedMode();
    Instant protectedSince = now;
    advance(Duration.ofMillis(300));
    record(machine.probed(ready(), now));
    take();
    List<Action> switched = mode(Mode.BACKUP);
    assertThat(switched).hasAtLeastOneElementOfType(Action.AcknowledgeMode.class);
    assertThat(switched).anySatisfy(a -> assertThat(a).isEqualTo(new Action.Log(LogEvent.PROTECTED_MODE_ENDED,
        "application", "StatServer_A", "reason", "switched to backup", "after_ms", 300L)));
    Action.Reload handover = assertNormalReload(switched, Action.Reload.Cause.HANDED_OVER,
        "after protected mode: switched to backup");
    assertThat(handover.coveredSince()).as("the pair serves through the handover's reload since protected mode began")
        .isEqualTo(protectedSince);
    record(machine.loaded(100, 10, now));
    assertThat(machine.role()).isEqualTo(Role.BACKUP);
    assertThat(machine.status()).isEqualTo(AppStatus.RUNNING);
  }

  @Test
  void becomingBackupForAnyOtherReasonEndsItTooEvenBeforeTheBackupIsReady() {
    primaryInProtectedMode();
    take();
    Action.Reload reload = assertNormalReload(mode(Mode.BACKUP), Action.Reload.Cause.SWITCHED_TO_BACKUP,
        "after protected mode: switched to backup");
    assertThat(reload.coveredSince()).as("no handover: the backup was never found ready").isNull();
  }

  @Test
  void turningTheOptionOffEndsProtectedModeAtOnce() {
    primaryInProtectedMode();
    take();
    List<Action> off = options(PROTECTING.withDelayIfPrimary(false));
    assertThat(logged(off, LogEvent.PROTECTED_MODE_ENDED)).isTrue();
    assertNormalReload(off, Action.Reload.Cause.PROTECTED_MODE_RULED_OUT,
        "after protected mode: option config-reload-delay-if-primary turned off");
  }

  @Test
  void protectedModeEndsWhenTheBackupStopsAcceptingClientsInBackupMode() {
    primaryInProtectedMode();
    take();
    List<Action> refusing = options(PROTECTING.withPeerAcceptsClients(false));
    assertNormalReload(refusing, Action.Reload.Cause.PROTECTED_MODE_RULED_OUT,
        "after protected mode: no longer possible: backup StatServer_B has accept-clients-in-backup-mode = no");
  }

  @Test
  void theMaximumDurationEndsProtectedModeWithAnAlarm() {
    options(PROTECTING.withProtectedModeMaxDuration(Duration.ofSeconds(30)));
    mode(Mode.PRIMARY);
    record(machine.connectionLost("x", now));
    expired();
    take();
    advance(Duration.ofMillis(29_900));
    assertThat(logged(take(), LogEvent.PROTECTED_MODE_LIMIT)).isFalse();
    advance(Duration.ofMillis(100));
    List<Action> limit = take();
    assertThat(logged(limit, LogEvent.PROTECTED_MODE_LIMIT)).isTrue();
    assertNormalReload(limit, Action.Reload.Cause.PROTECTED_MODE_LIMIT,
        "after protected mode: protected-mode-max-duration reached");
  }

  @Test
  void whileProtectedTheOwnOptionsArePolledEveryInterval() {
    primaryInProtectedMode();
    take();
    advance(Duration.ofMillis(100));
    assertThat(take()).hasAtLeastOneElementOfType(Action.PollOptions.class);
  }

  // ---- fencing, heartbeats, one instance -------------------------------------------------------

  @Test
  void aModeCommandUnderAnOlderEpochIsRefusedAndNotAcknowledged() {
    mode(Mode.PRIMARY, 5);
    assertThat(machine.epoch()).isEqualTo(5);
    take();
    List<Action> stale = mode(Mode.BACKUP, 4);
    assertThat(logged(stale, LogEvent.STALE_MODE_COMMAND_REFUSED)).isTrue();
    assertThat(stale).noneMatch(Action.AcknowledgeMode.class::isInstance);
    assertThat(machine.mode()).isEqualTo(Mode.PRIMARY);
    assertThat(machine.epoch()).isEqualTo(5);
    assertThat(machine.staleModeCommandsRefused()).as("counted").isEqualTo(1);

    assertThat(mode(Mode.PRIMARY, 5)).as("the same epoch again (a reconnect) is obeyed")
        .hasAtLeastOneElementOfType(Action.AcknowledgeMode.class);
    List<Action> newer = mode(Mode.BACKUP, 6);
    assertThat(newer).hasAtLeastOneElementOfType(Action.AcknowledgeMode.class);
    assertThat(machine.mode()).isEqualTo(Mode.BACKUP);
    assertThat(machine.epoch()).isEqualTo(6);
    assertThat(machine.staleModeCommandsRefused()).as("obeyed commands are not counted").isEqualTo(1);
  }

  @Test
  void heartbeatsGoOutEveryIntervalFromTheTickWhileTheManagementLayerIsConnected() {
    mode(Mode.PRIMARY, 3);
    take();
    assertThat(record(machine.heartbeatInterval(Duration.ofMillis(400), now)))
        .filteredOn(Action.SendHeartbeat.class::isInstance).singleElement()
        .satisfies(a -> assertThat(((Action.SendHeartbeat) a).epoch()).isEqualTo(3));
    take();
    advance(Duration.ofMillis(399));
    assertThat(take()).noneMatch(Action.SendHeartbeat.class::isInstance);
    advance(Duration.ofMillis(1));
    assertThat(take()).hasAtLeastOneElementOfType(Action.SendHeartbeat.class);

    record(machine.managementLost("UNAVAILABLE", now));
    advance(Duration.ofSeconds(2));
    assertThat(take()).as("no stream, no heartbeats").noneMatch(Action.SendHeartbeat.class::isInstance);
  }

  @Test
  void refusedByTheManagementLayerItExits() {
    List<Action> refused = record(machine.supervisionRefused("ALREADY_EXISTS: StatServer_A is already running", now));
    assertThat(logged(refused, LogEvent.SUPERVISION_REFUSED)).isTrue();
    assertThat(refused).filteredOn(Action.Exit.class::isInstance).singleElement()
        .satisfies(a -> assertThat(((Action.Exit) a).reason()).contains("already running"));
  }

  // ---- two primaries in protected mode ---------------------------------------------------------

  @Test
  void theGiveWayRuleChoosesExactlyOneOfTwoPrimaries() {
    for (long[] epochs : new long[][] {{3, 3}, {3, 4}, {9, 2}}) {
      boolean a = ReloadStateMachine.givesWay("StatServer_A", epochs[0], "StatServer_B", epochs[1]);
      boolean b = ReloadStateMachine.givesWay("StatServer_B", epochs[1], "StatServer_A", epochs[0]);
      assertThat(a ^ b).as("epochs %s/%s", epochs[0], epochs[1]).isTrue();
    }
    assertThat(ReloadStateMachine.givesWay("StatServer_A", 3, "StatServer_B", 4)).as("the older epoch gives way").isTrue();
    assertThat(ReloadStateMachine.givesWay("StatServer_B", 5, "StatServer_A", 5)).as("equal: the later name").isTrue();
  }

  @Test
  void twoPrimariesInProtectedModeResolveToOneReloadWhileTheOtherKeepsServing() {
    ReloadStateMachine a = new ReloadStateMachine("StatServer_A");
    ReloadStateMachine b = new ReloadStateMachine("StatServer_B");
    ReloadOptions aOptions = PROTECTING;
    ReloadOptions bOptions = PROTECTING.withPeer("StatServer_A");
    for (ReloadStateMachine member : List.of(a, b)) {
      member.managementConnected(now);
      member.start(now);
      member.loaded(1000, 80, now);
      member.optionsChanged(member == a ? aOptions : bOptions, now);
      // A split: both were told PRIMARY, A under epoch 4 (before B was promoted), B under 5.
      member.modeCommand(ModeCommand.newBuilder().setCommandId(1).setMode(Mode.PRIMARY)
          .setEpoch(member == a ? 4 : 5).build(), now);
      member.connectionLost("x", now);
      member.historyExpired(10, 40, 50, now);
      assertThat(member.reloadMode()).isEqualTo(ReloadMode.PROTECTED);
    }
    PeerProbe aSeenByB = new PeerProbe(true, "SERVING", ConfigState.DELAYED, 10, Role.PRIMARY, ReloadMode.PROTECTED,
        a.epoch());
    PeerProbe bSeenByA = new PeerProbe(true, "SERVING", ConfigState.DELAYED, 10, Role.PRIMARY, ReloadMode.PROTECTED,
        b.epoch());
    List<Action> fromB = b.probed(aSeenByB, now);
    List<Action> fromA = a.probed(bSeenByA, now);
    assertThat(fromB).as("B, under the newer epoch, stays protected").noneMatch(Action.Reload.class::isInstance);
    assertThat(b.reloadMode()).isEqualTo(ReloadMode.PROTECTED);
    assertThat(b.notServingReason()).as("and keeps serving").isNull();
    assertThat(logged(fromA, LogEvent.GAVE_WAY)).isTrue();
    assertThat(fromA).filteredOn(Action.Reload.class::isInstance).singleElement()
        .satisfies(r -> assertThat(((Action.Reload) r).cause()).isEqualTo(Action.Reload.Cause.GAVE_WAY));
    assertThat(reports(fromA)).last().satisfies(r -> assertThat(r.detail()).contains("gave way to StatServer_B"));

    // A reloads; B then finds it ready (serving, reloaded) and asks for the switchover as usual.
    a.loaded(1000, 80, now);
    assertThat(a.notServingReason()).isNull();
    List<Action> ready = b.probed(new PeerProbe(true, "SERVING", ConfigState.SYNCED, 50, Role.PRIMARY,
        ReloadMode.NORMAL, 4), now);
    assertThat(reports(ready)).last().satisfies(r -> assertThat(r.status()).isEqualTo(AppStatus.SERVICE_UNAVAILABLE));
  }

  // ---- failed reloads ------------------------------------------------------------------------

  @Test
  void failedReloadsAreRetriedAfterAWaitThatDoublesNotInAHotLoop() {
    options(PROTECTING.withDelayIfPrimary(false));
    mode(Mode.PRIMARY);
    record(machine.connectionLost("x", now));
    take();
    assertThat(expired()).hasAtLeastOneElementOfType(Action.Reload.class);
    for (long waitMs : new long[] {500, 1000, 2000}) {
      List<Action> failed = record(machine.reloadFailed("RESOURCE_EXHAUSTED: message too large", now));
      assertThat(logged(failed, LogEvent.CONFIG_RELOAD_FAILED)).isTrue();
      assertThat(failed).hasAtLeastOneElementOfType(Action.RestoreSession.class);
      assertThat(machine.notServingReason()).as("the configuration in hand is served").isNull();
      take();
      assertThat(expired()).as("HistoryLogExpired again at once: no reload yet").noneMatch(Action.Reload.class::isInstance);
      advance(Duration.ofMillis(waitMs - 1));
      assertThat(take()).noneMatch(Action.Reload.class::isInstance);
      advance(Duration.ofMillis(1));
      assertThat(take()).as("after %s ms", waitMs).hasAtLeastOneElementOfType(Action.Reload.class);
    }
    record(machine.loaded(1000, 80, now));
    record(machine.connectionLost("x", now));
    expired();
    record(machine.reloadFailed("again", now));
    take();
    expired();
    advance(Duration.ofMillis(500));
    assertThat(take()).as("a reload that worked starts the waits again at 500 ms")
        .hasAtLeastOneElementOfType(Action.Reload.class);
  }
}
