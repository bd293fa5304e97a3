package io.tandem.protocol.redundancy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.protocol.log.LogEvent;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.SwitchoverCause;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Hang detection fed as the Management Layer feeds it: a tick every {@code TICK} after the previous
 * one ended (a fixed-delay schedule, so the gap between ticks is the period plus the tick's own
 * work), heartbeats every heartbeat interval, stamped when received and handed to the controller
 * once the loop is free, on a hand-moved clock. Every heartbeat timeout the option accepts must find
 * a frozen primary, however long the loop's work takes.
 */
class HangDetectionAtTheTickCadenceTest {
  private static final Duration TICK = RedundancyController.TICK_PERIOD;
  private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(1);

  /** What one tick of the loop takes before the next is scheduled; heartbeats received meanwhile wait. */
  private Duration tickWork;
  /** Until when the loop is busy with a tick. */
  private Instant busyUntil = Instant.MIN;
  private RedundancyController controller;
  private RedundancySettings settings;
  private Instant now = Instant.parse("2026-01-01T00:00:00Z");
  private Instant nextTick;
  private final Map<String, Instant> nextHeartbeat = new TreeMap<>();
  private final Map<String, Long> sessions = Map.of("A", 1L, "B", 2L);
  private final Set<String> frozen = new HashSet<>();
  private final List<Action> actions = new ArrayList<>();
  private final List<LoggedAt> logged = new ArrayList<>();

  private record LoggedAt(LogEvent event, Instant at) {}

  /** Keeps what the controller decided at {@code now}. */
  private void feed(List<Action> produced) {
    actions.addAll(produced);
    produced.stream().filter(Action.Log.class::isInstance)
        .forEach(a -> logged.add(new LoggedAt(((Action.Log) a).event(), now)));
  }

  private void runningPair(Duration heartbeatTimeout) {
    settings = new RedundancySettings(FAILOVER_TIMEOUT, Duration.ofSeconds(3), 5, Duration.ofSeconds(60),
        heartbeatTimeout);
    controller = new RedundancyController(settings);
    actions.addAll(controller.configure(Map.of("A", "B", "B", ""), settings, now));
    for (Map.Entry<String, Long> s : sessions.entrySet()) {
      actions.addAll(controller.connected(new Arrival(s.getKey(), s.getValue(), "instance-of-" + s.getKey(), "",
          "10.0.0.1:" + s.getValue(), Mode.MODE_UNSPECIFIED, 0), now));
    }
    actions.addAll(controller.statusReported("A", 1, AppStatus.RUNNING, "", now));
    actions.addAll(controller.statusReported("B", 2, AppStatus.RUNNING, "", now));
    for (Action.SendMode send : sent()) {
      actions.addAll(controller.modeAcknowledged(send.application(), send.session(), send.commandId(), send.mode(),
          send.epoch(), now));
    }
    assertThat(controller.status(now).getPairs(0).getMembers(0).getMode()).isEqualTo(Mode.PRIMARY);
    actions.clear();
    nextTick = now.plus(TICK);
    sessions.keySet().forEach(app -> nextHeartbeat.put(app, now.plus(settings.heartbeatInterval())));
  }

  /** Runs the loop's schedule and the applications' heartbeats, in time order, until {@code end}. */
  private void runUntil(Instant end) {
    while (true) {
      Instant heartbeatDue = nextHeartbeat.values().stream().min(Instant::compareTo).orElseThrow();
      Instant next = nextTick.isAfter(heartbeatDue) ? heartbeatDue : nextTick;
      if (next.isAfter(end)) {
        now = end;
        return;
      }
      now = next;
      if (next.equals(nextTick)) {
        feed(controller.tick(now));
        busyUntil = now.plus(tickWork);
        nextTick = busyUntil.plus(TICK);
      } else {
        for (Map.Entry<String, Instant> due : nextHeartbeat.entrySet()) {
          if (due.getValue().equals(now)) {
            if (!frozen.contains(due.getKey())) {
              Instant received = now;
              Instant handled = busyUntil.isAfter(received) ? busyUntil : received;
              feed(controller.heartbeat(due.getKey(), sessions.get(due.getKey()), received, handled));
            }
            due.setValue(now.plus(settings.heartbeatInterval()));
          }
        }
      }
    }
  }

  private List<Action.SendMode> sent() {
    return actions.stream().filter(Action.SendMode.class::isInstance).map(Action.SendMode.class::cast).toList();
  }

  /** When {@code event} was first logged at or after {@code after}; null if not. */
  private Instant firstLogged(LogEvent event, Instant after) {
    return logged.stream().filter(l -> l.event() == event && !l.at().isBefore(after)).map(LoggedAt::at)
        .findFirst().orElse(null);
  }

  @ParameterizedTest(name = "heartbeat-timeout {0} ms, {1} ms of work a tick")
  @CsvSource({"200, 1", "250, 1", "2000, 1", "200, 50", "250, 50", "2000, 50"})
  void aFrozenPrimaryIsFoundHungAfterTheHeartbeatTimeoutAndFailedOver(long timeoutMs, long tickWorkMs) {
    Duration timeout = Duration.ofMillis(timeoutMs);
    tickWork = Duration.ofMillis(tickWorkMs);
    runningPair(timeout);
    runUntil(now.plusSeconds(10));
    assertThat(firstLogged(LogEvent.APPLICATION_HUNG, Instant.MIN))
        .as("members that send their heartbeats are never hung").isNull();

    Instant frozenAt = now;
    frozen.add("A");
    runUntil(now.plus(timeout).plus(FAILOVER_TIMEOUT).plusSeconds(5));

    Instant hungAt = firstLogged(LogEvent.APPLICATION_HUNG, frozenAt);
    assertThat(hungAt).as("the frozen primary is found hung (heartbeat-timeout %d ms, ticks every %d ms)", timeoutMs,
        TICK.plus(tickWork).toMillis()).isNotNull();
    // It heartbeat last at most an interval before the freeze; a tick or two of slack on top of the timeout.
    assertThat(Duration.between(frozenAt, hungAt)).as("found hung within heartbeat-timeout and two ticks")
        .isLessThanOrEqualTo(timeout.plus(TICK.plus(tickWork).multipliedBy(2)));
    Instant failedOverAt = firstLogged(LogEvent.FAILOVER, frozenAt);
    assertThat(failedOverAt).as("failed over").isNotNull();
    assertThat(Duration.between(hungAt, failedOverAt)).as("failed over once disconnect-switchover-timeout passed")
        .isBetween(FAILOVER_TIMEOUT, FAILOVER_TIMEOUT.plus(TICK.plus(tickWork).multipliedBy(2)));
    assertThat(controller.status(now).getPairs(0).getLastSwitchover().getCause()).isEqualTo(SwitchoverCause.PRIMARY_HUNG);
  }

  @ParameterizedTest(name = "heartbeat-timeout {0} ms, {1} ms of work a tick")
  @CsvSource({"200, 1", "250, 1", "2000, 1", "200, 50", "250, 50", "2000, 50"})
  void aPauseOfTheManagementLayerItselfMakesNobodyHungAtTheTickCadence(long timeoutMs, long tickWorkMs) {
    tickWork = Duration.ofMillis(tickWorkMs);
    runningPair(Duration.ofMillis(timeoutMs));
    runUntil(now.plusSeconds(2));
    // This process is paused for 5 s: no tick runs, the heartbeats sent meanwhile wait in the sockets
    // and are received after the first tick, which the watchdog's record of the pause reaches.
    Instant pausedAt = now;
    now = now.plusSeconds(5);
    feed(controller.tick(now, List.of(new Pause(pausedAt, now))));
    busyUntil = now.plus(tickWork);
    nextTick = busyUntil.plus(TICK);
    nextHeartbeat.replaceAll((app, due) -> now.plusMillis(1));
    runUntil(now.plusSeconds(2));
    assertThat(firstLogged(LogEvent.APPLICATION_HUNG, Instant.MIN)).as("nobody hung after the pause").isNull();

    Instant frozenAt = now;
    frozen.add("A"); // a real silence is still found
    runUntil(now.plusMillis(timeoutMs).plus(TICK.plus(tickWork).multipliedBy(2)));
    assertThat(firstLogged(LogEvent.APPLICATION_HUNG, frozenAt)).as("a frozen primary is still found hung").isNotNull();
  }
}
