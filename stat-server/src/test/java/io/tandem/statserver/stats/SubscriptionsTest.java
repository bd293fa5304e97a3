package io.tandem.statserver.stats;

import static io.tandem.statserver.stats.ConfigObjects.agent;
import static io.tandem.statserver.stats.ConfigObjects.group;
import static io.tandem.statserver.stats.ConfigObjects.model;
import static io.tandem.statserver.stats.ConfigObjects.queue;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.tandem.config.v1.ObjectType;
import io.tandem.stat.v1.CenterEvent;
import io.tandem.stat.v1.EventType;
import io.tandem.stat.v1.Notification;
import io.tandem.stat.v1.NotificationMode;
import io.tandem.stat.v1.StatisticType;
import io.tandem.stat.v1.StatisticValue;
import io.tandem.statserver.model.ConfigModel;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The notification policy on its own: no thread, no clock — the activity is driven event by
 * event and the time is whatever the test says.
 */
class SubscriptionsTest {
  private static final long T0 = 1_767_258_000_000L;
  private static final StatKey SALES = new StatKey(ObjectType.AGENT_GROUP, "sales");
  private static final StatKey Q1 = new StatKey(ObjectType.QUEUE, "q1");
  private static final StatKey ANN = new StatKey(ObjectType.AGENT, "ann");

  private final ConfigModel model = model(agent("ann"), agent("bob"), group("sales", "ann", "bob"), queue("q1"));
  private final Activity activity = new Activity();
  private final Subscriptions subscriptions = new Subscriptions(activity);
  private int ids;

  private StatisticsEngineTest.Recorder open(StatKey key, StatisticType type, Notification notification, long now) {
    StatisticsEngineTest.Recorder sink = new StatisticsEngineTest.Recorder();
    subscriptions.open(new OpenStatistic("S-" + ++ids, "client", key, type, StatisticRequests.notifying(notification),
        sink, activity.totals(key).copy(), now), now);
    return sink;
  }

  private static Notification mode(NotificationMode mode, int periodSeconds, double insensitivity) {
    return Notification.newBuilder().setMode(mode).setPeriodSeconds(periodSeconds).setInsensitivity(insensitivity).build();
  }

  /** Applies one event and tells the subscriptions what it changed, as the engine does after a batch. */
  private void happens(EventType type, String agent, String queue, String call, long now) {
    Set<StatKey> touched = new HashSet<>();
    activity.apply(CenterEvent.newBuilder().setType(type).setTimestampMs(now).setAgent(agent).setQueue(queue)
        .setCallId(call).build(), model, touched);
    touched.forEach(key -> subscriptions.changed(key, now));
  }

  private void readies(String agent, long now) {
    happens(EventType.AGENT_LOGIN, agent, "", "", now);
    happens(EventType.AGENT_READY, agent, "", "", now);
  }

  private void answers(String agent, String call, long now) {
    happens(EventType.CALL_QUEUED, "", "q1", call, now);
    happens(EventType.CALL_ANSWERED, agent, "q1", call, now);
    happens(EventType.CALL_RELEASED, agent, "", call, now + 1000);
    happens(EventType.AFTER_CALL_WORK_ENDED, agent, "", "", now + 2000);
  }

  @Test
  void anImmediateStatisticGetsTheFirstValueAtOnceThenEveryChangeThatMovesItByTheInsensitivity() {
    var ready = open(SALES, StatisticType.CURRENT_READY_AGENTS, mode(NotificationMode.IMMEDIATE, 0, 0), T0);
    var waiting = open(Q1, StatisticType.CURRENT_WAITING_CALLS, mode(NotificationMode.IMMEDIATE, 0, 2), T0);
    readies("ann", T0 + 1);
    readies("bob", T0 + 2);
    for (int i = 1; i <= 5; i++) {
      happens(EventType.CALL_QUEUED, "", "q1", "w" + i, T0 + 10 + i);
    }
    assertThat(ready.values).extracting(StatisticValue::getCount).containsExactly(0L, 1L, 2L);
    assertThat(waiting.values).as("insensitivity 2").extracting(StatisticValue::getCount).containsExactly(0L, 2L, 4L);
    assertThat(ready.values).allSatisfy(v -> assertThat(v.getStatisticId()).isEqualTo("S-1"));
  }

  @Test
  void anAgentStateStatisticIsSentOnAChangeOfStateNotOnEveryEvent() {
    var state = open(ANN, StatisticType.CURRENT_AGENT_STATE, mode(NotificationMode.IMMEDIATE, 0, 0), T0);
    happens(EventType.AGENT_LOGIN, "ann", "", "", T0 + 1);
    happens(EventType.AGENT_NOT_READY, "ann", "", "", T0 + 2);
    happens(EventType.AGENT_READY, "ann", "", "", T0 + 3);
    assertThat(state.values).extracting(v -> v.getAgentState().getState().name())
        .containsExactly("LOGGED_OUT", "NOT_READY", "READY");
  }

  @Test
  void aPeriodicalStatisticIsSentWhenItsPeriodIsUpAndAResetOneThenCountsFromZero() {
    var periodical = open(ANN, StatisticType.TOTAL_CALLS_ANSWERED, mode(NotificationMode.PERIODICAL, 5, 0), T0);
    var reset = open(ANN, StatisticType.TOTAL_CALLS_ANSWERED, mode(NotificationMode.RESET, 5, 0), T0);
    readies("ann", T0);
    answers("ann", "c1", T0 + 1000);
    subscriptions.due(T0 + 4_999);
    assertThat(periodical.values).as("nothing between periods, whatever happens").hasSize(1);

    subscriptions.due(T0 + 5_000);
    assertThat(periodical.latest().getCount()).isEqualTo(1);
    assertThat(reset.latest().getCount()).isEqualTo(1);

    answers("ann", "c2", T0 + 6000);
    subscriptions.due(T0 + 9_999);
    assertThat(periodical.values).hasSize(2);
    subscriptions.due(T0 + 10_000);
    assertThat(periodical.latest().getCount()).isEqualTo(2);
    assertThat(reset.latest().getCount()).as("counted from the last reset").isEqualTo(1);
    subscriptions.due(T0 + 15_000);
    assertThat(reset.latest().getCount()).as("nothing since").isZero();
  }

  @Test
  void aNoneStatisticGetsItsFirstValueOnlyAndIsClosedByItsOwnerAlone() {
    var none = open(SALES, StatisticType.CURRENT_READY_AGENTS, mode(NotificationMode.NONE, 0, 0), T0);
    readies("ann", T0 + 1);
    subscriptions.due(T0 + 60_000);
    assertThat(none.values).hasSize(1);

    assertThat(subscriptions.find("S-1", "stranger")).as("another identity's looks like none at all").isNull();
    assertThat(subscriptions.close("S-1", "stranger", T0 + 2)).isFalse();
    assertThat(none.last).isNull();
    assertThat(subscriptions.close("S-1", "client", T0 + 3)).isTrue();
    assertThat(none.last.getClosedReason()).isEqualTo("closed by client");
    assertThat(none.last.getCount()).as("the last value is the current one").isEqualTo(1);
    assertThat(subscriptions.count()).isZero();
    assertThat(subscriptions.close("S-1", "client", T0 + 4)).isFalse();
  }

  @Test
  void aVanishedObjectClosesItsStatisticsWithTheReasonAndLeavesTheOthers() {
    var sales = open(SALES, StatisticType.CURRENT_READY_AGENTS, mode(NotificationMode.IMMEDIATE, 0, 0), T0);
    var salesToo = open(SALES, StatisticType.TOTAL_CALLS_ANSWERED, mode(NotificationMode.PERIODICAL, 5, 0), T0);
    var queue = open(Q1, StatisticType.CURRENT_WAITING_CALLS, mode(NotificationMode.IMMEDIATE, 0, 0), T0);

    assertThat(subscriptions.closeObject(SALES, "AgentGroup 'sales' deleted from configuration", T0 + 1))
        .extracting(s -> s.id).containsExactly("S-1", "S-2");
    assertThat(sales.last.getClosedReason()).isEqualTo("AgentGroup 'sales' deleted from configuration");
    assertThat(salesToo.last.getClosedReason()).isEqualTo("AgentGroup 'sales' deleted from configuration");
    assertThat(subscriptions.objects()).containsExactly(Q1);
    readies("ann", T0 + 2);
    subscriptions.due(T0 + 10_000);
    assertThat(sales.values).as("nothing after the last value").hasSize(1);
    assertThat(salesToo.values).hasSize(1);
    happens(EventType.CALL_QUEUED, "", "q1", "x", T0 + 3);
    assertThat(queue.latest().getCount()).isEqualTo(1);
  }

  @Test
  void failAllEndsEveryStreamWithTheStatusAndForgetSendsNothing() {
    var first = open(SALES, StatisticType.CURRENT_READY_AGENTS, mode(NotificationMode.IMMEDIATE, 0, 0), T0);
    var gone = open(Q1, StatisticType.CURRENT_WAITING_CALLS, mode(NotificationMode.IMMEDIATE, 0, 0), T0);
    subscriptions.forget("S-2");
    happens(EventType.CALL_QUEUED, "", "q1", "x", T0 + 1);
    assertThat(gone.values).as("a forgotten statistic is sent nothing more").hasSize(1);
    assertThat(gone.failure).isNull();

    subscriptions.failAll(Status.UNAVAILABLE.withDescription("not accepting clients: reloading configuration"));
    assertThat(first.failure.getDescription()).isEqualTo("not accepting clients: reloading configuration");
    assertThat(subscriptions.count()).isZero();
    assertThat(subscriptions.objects()).isEmpty();
  }
}
