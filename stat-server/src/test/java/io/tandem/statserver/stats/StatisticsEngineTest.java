package io.tandem.statserver.stats;

import static io.tandem.statserver.stats.ConfigObjects.agent;
import static io.tandem.statserver.stats.ConfigObjects.group;
import static io.tandem.statserver.stats.ConfigObjects.model;
import static io.tandem.statserver.stats.ConfigObjects.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.tandem.protocol.log.LogCapture;
import io.tandem.protocol.time.ManualClock;
import io.tandem.config.v1.Agent;
import io.tandem.config.v1.AgentGroup;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ChangeKind;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.Queue;
import io.tandem.stat.v1.AgentState;
import io.tandem.stat.v1.CenterEvent;
import io.tandem.stat.v1.EventBatch;
import io.tandem.stat.v1.EventType;
import io.tandem.stat.v1.GetStatisticRequest;
import io.tandem.stat.v1.Notification;
import io.tandem.stat.v1.NotificationMode;
import io.tandem.stat.v1.OpenStatisticRequest;
import io.tandem.stat.v1.StatObject;
import io.tandem.stat.v1.StatisticSpec;
import io.tandem.stat.v1.StatisticType;
import io.tandem.stat.v1.StatisticValue;
import io.tandem.statserver.model.ConfigModel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Scripted event sequences with answers worked out by hand, for every statistic and notification mode. */
class StatisticsEngineTest {
  private static final String OWNER = "client";
  private static final long T0 = Instant.parse("2026-01-01T09:00:00Z").toEpochMilli();

  private final ManualClock clock = new ManualClock(Instant.ofEpochMilli(T0));
  private StatisticsEngine engine;
  private final List<StatisticsEngine> engines = new ArrayList<>();

  /** A sink that records what the engine sends. */
  static class Recorder implements StatisticSink {
    final List<StatisticValue> values = new CopyOnWriteArrayList<>();
    volatile StatisticValue last;
    volatile Status failure;

    @Override
    public void offer(StatisticValue value) {
      values.add(value);
    }

    @Override
    public void closed(StatisticValue lastValue) {
      last = lastValue;
    }

    @Override
    public void failed(Status status) {
      failure = status;
    }

    @Override
    public boolean abandoned() {
      return false;
    }

    StatisticValue latest() {
      return values.get(values.size() - 1);
    }
  }





  private static ConfigModel contactCenter() {
    return model(agent("ann"), agent("bob"), agent("cid"), agent("dan"), group("sales", "ann", "bob", "cid"),
        group("vip", "ann"), queue("q1"));
  }

  private StatisticsEngine newEngine(ConfigModel model) {
    StatisticsEngine e = new StatisticsEngine(clock);
    e.start();
    e.completeReload(model).join();
    engines.add(e);
    return e;
  }

  @BeforeEach
  void start() {
    engine = newEngine(contactCenter());
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (StatisticsEngine e : engines) {
      e.stop();
    }
  }

  private static CenterEvent event(EventType type, long atSeconds, String agent, String queue, String call) {
    return CenterEvent.newBuilder().setType(type).setTimestampMs(T0 + atSeconds * 1000).setAgent(agent).setQueue(queue)
        .setCallId(call).build();
  }

  private static CenterEvent agentEvent(EventType type, long at, String agent) {
    return event(type, at, agent, "", "");
  }

  /** One handled call: queued, answered after 0 s, talk, release, after-call work. */
  private static List<CenterEvent> call(String id, String agent, long queuedAt, long talkSeconds, long acwSeconds) {
    return List.of(
        event(EventType.CALL_QUEUED, queuedAt, "", "q1", id),
        event(EventType.CALL_ANSWERED, queuedAt, agent, "q1", id),
        event(EventType.CALL_RELEASED, queuedAt + talkSeconds, agent, "", id),
        agentEvent(EventType.AFTER_CALL_WORK_ENDED, queuedAt + talkSeconds + acwSeconds, agent));
  }

  private FeedCounters feed(StatisticsEngine target, List<CenterEvent> events) {
    FeedCounters counters = new FeedCounters();
    TestFeed.feed(target, EventBatch.newBuilder().addAllEvents(events).build(), counters);
    target.barrier().join();
    return counters;
  }

  private FeedCounters feed(List<CenterEvent> events) {
    return feed(engine, events);
  }

  private static List<CenterEvent> loginReady(long at, String... agents) {
    List<CenterEvent> events = new ArrayList<>();
    for (String a : agents) {
      events.add(agentEvent(EventType.AGENT_LOGIN, at, a));
      events.add(agentEvent(EventType.AGENT_READY, at, a));
    }
    return events;
  }

  private StatisticValue get(StatisticsEngine target, ObjectType type, String name, StatisticType statistic) {
    return target.get(GetStatisticRequest.newBuilder().setSpec(StatisticSpec.newBuilder()
        .setObject(StatObject.newBuilder().setType(type).setName(name)).setStatistic(statistic)).build(), OWNER);
  }

  private StatisticValue get(ObjectType type, String name, StatisticType statistic) {
    return get(engine, type, name, statistic);
  }

  private Recorder open(ObjectType type, String name, StatisticType statistic, Notification notification) {
    Recorder recorder = new Recorder();
    engine.open(OpenStatisticRequest.newBuilder().setObject(StatObject.newBuilder().setType(type).setName(name))
        .setStatistic(statistic).setNotification(notification).build(), OWNER, recorder);
    engine.barrier().join();
    return recorder;
  }

  private static Notification mode(NotificationMode mode) {
    return Notification.newBuilder().setMode(mode).build();
  }

  /** Three agents, five calls: talk + after-call work per call, averaged. */
  private static List<CenterEvent> fiveCalls() {
    List<CenterEvent> events = new ArrayList<>(loginReady(0, "ann", "bob", "cid"));
    events.addAll(call("c1", "ann", 10, 60, 20));   // 80 s
    events.addAll(call("c2", "bob", 20, 120, 30));  // 150 s
    events.addAll(call("c3", "ann", 200, 30, 10));  // 40 s
    events.addAll(call("c4", "cid", 210, 90, 0));   // 90 s
    events.addAll(call("c5", "bob", 400, 45, 15));  // 60 s
    return events;
  }

  @Test
  void averageHandleTimeIsTalkPlusAfterCallWorkPerHandledCall() {
    assertThat(feed(fiveCalls()).accepted()).isEqualTo(26);
    var group = get(ObjectType.AGENT_GROUP, "sales", StatisticType.AVERAGE_HANDLE_TIME).getAverage();
    assertThat(group.getCalls()).isEqualTo(5);
    assertThat(group.getAverageMs()).isEqualTo((80 + 150 + 40 + 90 + 60) * 1000 / 5.0); // 84 s
    var ann = get(ObjectType.AGENT, "ann", StatisticType.AVERAGE_HANDLE_TIME).getAverage();
    assertThat(ann.getCalls()).isEqualTo(2);
    assertThat(ann.getAverageMs()).isEqualTo(60_000.0);
    assertThat(get(ObjectType.AGENT_GROUP, "vip", StatisticType.AVERAGE_HANDLE_TIME).getAverage().getAverageMs())
        .isEqualTo(60_000.0);
    assertThat(get(ObjectType.AGENT, "dan", StatisticType.AVERAGE_HANDLE_TIME).getAverage().getCalls()).isZero();
  }

  @Test
  void totalCallsAnsweredCountsSinceTheStatisticWasOpened() {
    feed(fiveCalls().subList(0, 14)); // logins and c1, c2
    Recorder sales = open(ObjectType.AGENT_GROUP, "sales", StatisticType.TOTAL_CALLS_ANSWERED, mode(NotificationMode.IMMEDIATE));
    assertThat(sales.latest().getCount()).isZero();
    feed(fiveCalls().subList(14, 18));
    feed(fiveCalls().subList(18, 22));
    feed(fiveCalls().subList(22, 26));
    assertThat(sales.latest().getCount()).isEqualTo(3);
    assertThat(sales.values).extracting(StatisticValue::getCount).containsExactly(0L, 1L, 2L, 3L);
    assertThat(get(ObjectType.AGENT_GROUP, "sales", StatisticType.TOTAL_CALLS_ANSWERED).getCount())
        .as("by spec: since the server started").isEqualTo(5);
    assertThat(get(ObjectType.AGENT, "bob", StatisticType.TOTAL_CALLS_ANSWERED).getCount()).isEqualTo(2);
  }

  @Test
  void readyAgentsWaitingCallsAndAgentStateFollowTheEvents() {
    Recorder ready = open(ObjectType.AGENT_GROUP, "sales", StatisticType.CURRENT_READY_AGENTS, mode(NotificationMode.IMMEDIATE));
    Recorder waiting = open(ObjectType.QUEUE, "q1", StatisticType.CURRENT_WAITING_CALLS, mode(NotificationMode.IMMEDIATE));
    Recorder annState = open(ObjectType.AGENT, "ann", StatisticType.CURRENT_AGENT_STATE, mode(NotificationMode.IMMEDIATE));
    feed(loginReady(0, "ann"));
    feed(loginReady(0, "bob", "dan"));
    assertThat(ready.latest().getCount()).as("dan is not in sales").isEqualTo(2);
    feed(List.of(event(EventType.CALL_QUEUED, 5, "", "q1", "x1"), event(EventType.CALL_QUEUED, 6, "", "q1", "x2"),
        event(EventType.CALL_QUEUED, 7, "", "q1", "x3")));
    assertThat(waiting.latest().getCount()).isEqualTo(3);
    feed(List.of(event(EventType.CALL_ABANDONED, 8, "", "q1", "x2"), event(EventType.CALL_ANSWERED, 9, "ann", "q1", "x1")));
    assertThat(waiting.latest().getCount()).isEqualTo(1);
    assertThat(ready.latest().getCount()).isEqualTo(1);
    assertThat(annState.latest().getAgentState().getState()).isEqualTo(AgentState.TALKING);
    assertThat(annState.latest().getAgentState().getSinceMs()).isEqualTo(T0 + 9000);
    feed(List.of(agentEvent(EventType.AGENT_NOT_READY, 10, "bob"), agentEvent(EventType.AGENT_LOGOUT, 11, "bob")));
    assertThat(ready.values).as("one value per fed batch: its net change").extracting(StatisticValue::getCount)
        .containsExactly(0L, 1L, 2L, 1L, 0L);
    clock.advance(Duration.ofSeconds(30));
    var state = get(ObjectType.AGENT, "ann", StatisticType.CURRENT_AGENT_STATE).getAgentState();
    assertThat(state.getDurationMs()).isEqualTo(clock.millis() - (T0 + 9000));
  }

  @Test
  void immediateNotificationsRespectTheInsensitivity() {
    Recorder waiting = open(ObjectType.QUEUE, "q1", StatisticType.CURRENT_WAITING_CALLS,
        Notification.newBuilder().setMode(NotificationMode.IMMEDIATE).setInsensitivity(2).build());
    for (int i = 1; i <= 5; i++) {
      feed(List.of(event(EventType.CALL_QUEUED, i, "", "q1", "w" + i)));
    }
    assertThat(waiting.values).extracting(StatisticValue::getCount).containsExactly(0L, 2L, 4L);
  }

  @Test
  void periodicalSendsEveryPeriodAndResetStartsAgainAfterEachValue() {
    Recorder periodical = open(ObjectType.AGENT, "ann", StatisticType.TOTAL_CALLS_ANSWERED,
        Notification.newBuilder().setMode(NotificationMode.PERIODICAL).setPeriodSeconds(5).build());
    Recorder reset = open(ObjectType.AGENT, "ann", StatisticType.TOTAL_CALLS_ANSWERED,
        Notification.newBuilder().setMode(NotificationMode.RESET).setPeriodSeconds(5).build());
    feed(loginReady(0, "ann"));
    feed(call("c1", "ann", 1, 10, 1));
    assertThat(periodical.values).as("nothing between periods").hasSize(1);
    clock.advance(Duration.ofSeconds(5));
    await().atMost(Duration.ofSeconds(5)).until(() -> periodical.values.size() == 2 && reset.values.size() == 2);
    assertThat(periodical.latest().getCount()).isEqualTo(1);
    assertThat(reset.latest().getCount()).isEqualTo(1);
    feed(call("c2", "ann", 20, 10, 1));
    clock.advance(Duration.ofSeconds(5));
    await().atMost(Duration.ofSeconds(5)).until(() -> periodical.values.size() == 3 && reset.values.size() == 3);
    assertThat(periodical.latest().getCount()).isEqualTo(2);
    assertThat(reset.latest().getCount()).as("counted from the last reset").isEqualTo(1);
  }

  @Test
  void noneSendsTheFirstValueOnlyAndAnswersQueriesById() {
    Recorder none = open(ObjectType.AGENT_GROUP, "sales", StatisticType.CURRENT_READY_AGENTS, mode(NotificationMode.NONE));
    feed(loginReady(0, "ann", "bob"));
    assertThat(none.values).hasSize(1);
    String id = none.latest().getStatisticId();
    assertThat(engine.get(GetStatisticRequest.newBuilder().setStatisticId(id).build(), OWNER).getCount()).isEqualTo(2);
    assertThat(engine.close(id, OWNER).join()).isTrue();
    assertThat(none.last.getClosedReason()).isEqualTo("closed by client");
    assertThat(engine.close(id, OWNER).join()).isFalse();
  }

  @Test
  void aStatisticIsItsOwnersAloneAndItsIdIsNotGuessable() {
    Recorder first = open(ObjectType.AGENT_GROUP, "sales", StatisticType.CURRENT_READY_AGENTS, mode(NotificationMode.NONE));
    Recorder second = open(ObjectType.AGENT_GROUP, "sales", StatisticType.CURRENT_READY_AGENTS, mode(NotificationMode.NONE));
    String id = first.latest().getStatisticId();
    assertThat(id).matches("S-[0-9a-f]{32}").isNotEqualTo(second.latest().getStatisticId());

    assertThatThrownBy(() -> engine.get(GetStatisticRequest.newBuilder().setStatisticId(id).build(), "stranger"))
        .isInstanceOf(StatisticRefusedException.class)
        .satisfies(e -> assertThat(((StatisticRefusedException) e).status().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    assertThat(engine.close(id, "stranger").join()).as("another identity cannot close it").isFalse();
    assertThat(first.last).as("the owner's stream is untouched").isNull();
    assertThat(engine.close(id, OWNER).join()).isTrue();
  }

  /**
   * The client's cancel came while the engine opened its statistic (after it asked whether the
   * stream was abandoned): the id was read before the first value set it, and the statistic stayed
   * open for good, rendered into a dead stream every period.
   */
  @Test
  void aStatisticCancelledWhileItIsOpenedIsForgotten() {
    Recorder cancelledMidOpen = new Recorder() {
      private volatile String id = "";
      private boolean asked;

      @Override
      public void offer(StatisticValue value) {
        id = value.getStatisticId();
        super.offer(value);
      }

      @Override
      public boolean abandoned() {
        if (!asked) {
          asked = true;
          engine.forget(() -> id); // the transport's cancel handler, at this very moment
        }
        return false;
      }
    };
    engine.open(OpenStatisticRequest.newBuilder().setObject(StatObject.newBuilder().setType(ObjectType.QUEUE)
        .setName("q1")).setStatistic(StatisticType.CURRENT_WAITING_CALLS).setNotification(mode(NotificationMode.PERIODICAL)
        .toBuilder().setPeriodSeconds(1)).build(), OWNER, cancelledMidOpen);
    // The forget is queued behind the open, itself behind this test's barrier: waited for, not assumed.
    await().atMost(Duration.ofSeconds(30)).until(() -> !cancelledMidOpen.values.isEmpty()
        && engine.openStatistics() == 0);
  }

  @Test
  void unknownObjectsAndWrongStatisticsAreRefusedClearly() {
    Recorder unknown = open(ObjectType.AGENT, "zed", StatisticType.CURRENT_AGENT_STATE, mode(NotificationMode.IMMEDIATE));
    assertThat(unknown.failure.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(unknown.failure.getDescription()).contains("no Agent 'zed' in the configuration");
    Recorder wrong = open(ObjectType.QUEUE, "q1", StatisticType.CURRENT_READY_AGENTS, mode(NotificationMode.IMMEDIATE));
    assertThat(wrong.failure.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(wrong.failure.getDescription()).contains("CURRENT_READY_AGENTS does not apply to Queue (AgentGroup only)");
    Recorder noPeriod = open(ObjectType.QUEUE, "q1", StatisticType.CURRENT_WAITING_CALLS, mode(NotificationMode.PERIODICAL));
    assertThat(noPeriod.failure.getDescription()).contains("notification.period_seconds");
    assertThatThrownBy(() -> get(ObjectType.AGENT_GROUP, "nope", StatisticType.CURRENT_READY_AGENTS))
        .isInstanceOf(StatisticRefusedException.class).hasMessageContaining("no AgentGroup 'nope'");
  }

  @Test
  void eventsForUnknownObjectsAreCountedNotFatal() {
    FeedCounters counters = feed(List.of(agentEvent(EventType.AGENT_READY, 1, "ghost"),
        event(EventType.CALL_QUEUED, 1, "", "nowhere", "c"), agentEvent(EventType.AGENT_LOGIN, 1, "ann"),
        agentEvent(EventType.AFTER_CALL_WORK_ENDED, 2, "ann")));
    assertThat(counters.unknownObject()).isEqualTo(2);
    assertThat(counters.accepted()).isEqualTo(1);
    assertThat(counters.ignored()).as("after-call work that never started").isEqualTo(1);
    assertThat(engine.eventsUnknown()).isEqualTo(2);
  }

  /**
   * A waiting call's id, and an unknown object's name, stay in the server's memory: a producer
   * sending ids of a quarter of a megabyte ran a 256 MB member out of heap in a thousand batches.
   */
  @Test
  void aBatchWithAnOverlongCallIdIsRefusedNamingTheFieldAndNothingOfItIsApplied() {
    TestFeed feed = new TestFeed(new FeedCounters());
    feed.feedAlone(engine, EventBatch.newBuilder().addEvents(agentEvent(EventType.AGENT_LOGIN, 1, "ann"))
        .addEvents(event(EventType.CALL_QUEUED, 2, "", "q1", "c".repeat(250_000))).build());
    engine.barrier().join();
    assertThat(feed.refusals).singleElement().satisfies(status -> {
      assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(status.getDescription()).isEqualTo("events[1].call_id: is 250000 characters long, more than the"
          + " maximum of 255; nothing of this batch was applied");
    });
    assertThat(feed.counters().accepted()).isZero();
    assertThat(get(ObjectType.QUEUE, "q1", StatisticType.CURRENT_WAITING_CALLS).getCount()).isZero();

    FeedCounters next = feed(List.of(agentEvent(EventType.AGENT_LOGIN, 3, "ann"),
        event(EventType.CALL_QUEUED, 4, "", "q1", "c1")));
    assertThat(next.accepted()).as("the next producer's batch").isEqualTo(2);
  }

  /** Batch 2 (bob's login and READY) was lost: after 1 and 3 it was skipped as "already applied". */
  @Test
  void aBatchBeyondItsProducersNextSequenceIsRefusedAndTheMissingOneIsStillApplied() {
    TestFeed.feed(engine, sequenced("p", 1, loginReady(0, "ann")), new FeedCounters());
    TestFeed skipping = new TestFeed(new FeedCounters());
    try (LogCapture log = new LogCapture(StatisticsEngine.class)) {
      skipping.feedAlone(engine, sequenced("p", 3, loginReady(2, "cid")));
      engine.barrier().join();
      assertThat(log.withId("02-10110")).singleElement().asString().contains("producer=p", "sequence=3", "expected=2");
    }
    assertThat(skipping.refusals).singleElement().satisfies(status -> {
      assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
      assertThat(status.getDescription()).startsWith("sequence: 3 from producer 'p', whose batches are applied"
          + " through 1; the next must be 2");
    });
    assertThat(skipping.counters().accepted()).isZero();

    TestFeed inOrder = new TestFeed(new FeedCounters());
    inOrder.feedAlone(engine, sequenced("p", 2, loginReady(1, "bob")));
    engine.barrier().join();
    assertThat(inOrder.counters().accepted()).as("the batch that was missing").isEqualTo(2);
    assertThat(get(ObjectType.AGENT_GROUP, "sales", StatisticType.CURRENT_READY_AGENTS).getCount()).isEqualTo(2);
  }

  private static EventBatch sequenced(String producer, long sequence, List<CenterEvent> events) {
    return EventBatch.newBuilder().addAllEvents(events).setProducerId(producer).setSequence(sequence).build();
  }

  @Test
  void membershipChangesMoveGroupStatisticsAndDeletionsCloseThem() {
    feed(loginReady(0, "ann", "dan"));
    Recorder ready = open(ObjectType.AGENT_GROUP, "sales", StatisticType.CURRENT_READY_AGENTS, mode(NotificationMode.IMMEDIATE));
    assertThat(ready.latest().getCount()).isEqualTo(1);
    engine.applyChanges(List.of(ChangeEvent.newBuilder().setEventId(10).setKind(ChangeKind.UPDATED)
        .setObject(group("sales", "ann", "bob", "cid", "dan")).build()));
    engine.barrier().join();
    assertThat(ready.latest().getCount()).as("dan joined while ready").isEqualTo(2);

    Recorder danState = open(ObjectType.AGENT, "dan", StatisticType.CURRENT_AGENT_STATE, mode(NotificationMode.IMMEDIATE));
    engine.applyChanges(List.of(ChangeEvent.newBuilder().setEventId(11).setKind(ChangeKind.UPDATED)
        .setObject(group("sales", "ann", "bob", "cid")).build(), ChangeEvent.newBuilder().setEventId(12)
        .setKind(ChangeKind.DELETED).setObject(agent("dan")).build()));
    engine.barrier().join();
    assertThat(ready.latest().getCount()).isEqualTo(1);
    assertThat(danState.last.getClosedReason()).isEqualTo("Agent 'dan' deleted from configuration");
    assertThat(engine.openStatistics()).isEqualTo(1);
  }

  @Test
  void eventsDuringAReloadAreQueuedAndAppliedWithTheNewModel() {
    feed(loginReady(0, "ann"));
    Recorder ready = open(ObjectType.AGENT_GROUP, "sales", StatisticType.CURRENT_READY_AGENTS, mode(NotificationMode.IMMEDIATE));
    String id = ready.latest().getStatisticId();
    engine.beginReload().join();
    FeedCounters counters = new FeedCounters();
    TestFeed.feed(engine, EventBatch.newBuilder().addAllEvents(loginReady(5, "dan")).build(), counters);
    engine.barrier().join();
    assertThat(counters.accepted()).as("queued, not applied yet").isZero();
    engine.completeReload(model(agent("ann"), agent("dan"), group("sales", "ann", "dan"), queue("q1"))).join();
    engine.barrier().join();
    assertThat(counters.accepted()).isEqualTo(2);
    assertThat(ready.latest().getCount()).isEqualTo(2);
    assertThat(ready.latest().getStatisticId()).as("the statistic keeps its identity").isEqualTo(id);
  }

  @Test
  void heldWorkThatFailsStopsNothingAfterItAndTheSwapStands() {
    engine.beginReload().join();
    FeedCounters before = new FeedCounters();
    FeedCounters after = new FeedCounters();
    new TestFeed(before, () -> {
      throw new IllegalStateException("its stream cannot be written");
    }).feedAlone(engine, EventBatch.newBuilder().addAllEvents(login("ann")).build());
    engine.afterFeed(() -> {
      throw new IllegalStateException("a bug");
    });
    TestFeed.feed(engine, EventBatch.newBuilder().addAllEvents(loginReady(5, "dan")).build(), after);

    assertThat(engine.completeReload(model(agent("ann"), agent("dan"), group("sales", "ann", "dan"), queue("q1"))))
        .as("the new model is in use: not a failed reload").succeedsWithin(Duration.ofSeconds(30));
    engine.barrier().join();
    assertThat(before.accepted()).isEqualTo(2);
    assertThat(after.accepted()).as("held after the failures, applied all the same").isEqualTo(2);
    assertThat(get(engine, ObjectType.AGENT_GROUP, "sales", StatisticType.CURRENT_READY_AGENTS).getCount()).isEqualTo(2);
  }

  @Test
  void aReloadClosesTheStatisticsOfObjectsThatVanished() {
    Recorder bob = open(ObjectType.AGENT, "bob", StatisticType.CURRENT_AGENT_STATE, mode(NotificationMode.IMMEDIATE));
    engine.beginReload().join();
    engine.completeReload(model(agent("ann"), group("sales", "ann"), queue("q1"))).join();
    assertThat(bob.last.getClosedReason()).contains("Agent 'bob' deleted from configuration");
  }

  @Test
  void bothMembersOfAPairFedTheSameEventsAgree() {
    StatisticsEngine other = newEngine(contactCenter());
    feed(engine, fiveCalls());
    feed(other, fiveCalls());
    for (StatisticType type : List.of(StatisticType.AVERAGE_HANDLE_TIME, StatisticType.TOTAL_CALLS_ANSWERED,
        StatisticType.CURRENT_READY_AGENTS)) {
      assertThat(get(other, ObjectType.AGENT_GROUP, "sales", type).toBuilder().clearComputedAtMs().build())
          .isEqualTo(get(engine, ObjectType.AGENT_GROUP, "sales", type).toBuilder().clearComputedAtMs().build());
    }
    assertThat(get(other, ObjectType.AGENT, "cid", StatisticType.CURRENT_AGENT_STATE).getAgentState())
        .isEqualTo(get(engine, ObjectType.AGENT, "cid", StatisticType.CURRENT_AGENT_STATE).getAgentState());
  }

  @Test
  void eventsHeldDuringAReloadStayWithinTheBudgetThenTheStreamIsHeldBackUntilTheSwap() {
    EventBatch batch = EventBatch.newBuilder().addAllEvents(loginReady(5, "dan")).build();
    long cost = new FeedBatch(batch.toByteArray()).cost();
    // Room for the stream's reservation and three batches beside it.
    engine.setReloadFeedBuffer(FeedBatch.LARGEST_COST + 3 * cost);
    engine.beginReload().join();
    FeedCounters counters = new FeedCounters();
    TestFeed call = new TestFeed(counters);
    FeedLane lane = engine.openFeed(call);
    assertThat(call.asks.get()).as("asked for its first batch").isEqualTo(1);
    for (int i = 0; i < 5; i++) {
      engine.feed(lane, new FeedBatch(batch.toByteArray()));
    }
    engine.barrier().join();
    assertThat(call.asks.get()).as("more asked for while within the budget").isEqualTo(4);
    assertThat(call.acknowledgements.get()).isZero();
    assertThat(engine.heldBytes()).isEqualTo(5L * cost);

    engine.completeReload(model(agent("ann"), agent("dan"), group("sales", "ann", "dan"), queue("q1"))).join();
    engine.barrier().join();
    assertThat(call.acknowledgements.get()).as("everything held is applied after the swap").isEqualTo(5);
    assertThat(counters.accepted()).isEqualTo(10);
    assertThat(call.asks.get()).as("and the stream is asked for more again").isEqualTo(5);
    assertThat(engine.heldBytes()).isZero();
  }

  @Test
  void aBatchReSentByItsProducerIsAppliedOnce() {
    Recorder ready = open(ObjectType.AGENT_GROUP, "sales", StatisticType.TOTAL_CALLS_ANSWERED,
        mode(NotificationMode.IMMEDIATE));
    FeedCounters counters = new FeedCounters();
    List<EventBatch> batches = List.of(sequenced(1, login("ann")), sequenced(2, call("c1", "ann", 10, 30, 5)),
        sequenced(2, call("c1", "ann", 10, 30, 5)), sequenced(1, login("ann")), sequenced(3, call("c2", "ann", 60, 30, 5)));
    for (EventBatch batch : batches) {
      TestFeed.feed(engine, batch, counters);
    }
    engine.barrier().join();
    assertThat(counters.duplicateBatches()).isEqualTo(2);
    assertThat(counters.progress(false).getAppliedThrough()).isEqualTo(3);
    assertThat(ready.latest().getCount()).as("two calls answered, not three").isEqualTo(2);
    assertThat(engine.producers().mostRecent()).singleElement().satisfies(p -> {
      assertThat(p.getProducerId()).isEqualTo("routing-1");
      assertThat(p.getAppliedThrough()).isEqualTo(3);
      assertThat(p.getEvents()).isEqualTo(2 + 4 + 4);
    });
  }

  private static EventBatch sequenced(long sequence, List<CenterEvent> events) {
    return EventBatch.newBuilder().addAllEvents(events).setProducerId("routing-1").setSequence(sequence).build();
  }

  @Test
  void withTheMostProducersRememberedANewOneIsRefusedNamingTheCapAndTheOthersGoOn() {
    FeedCounters counters = new FeedCounters();
    for (int i = 0; i < ProducerLedger.CAP; i++) {
      TestFeed.feed(engine, EventBatch.newBuilder().setProducerId("p" + i).setSequence(1).build(), counters);
    }
    TestFeed newcomer = new TestFeed(new FeedCounters());
    try (LogCapture log = new LogCapture(StatisticsEngine.class)) {
      newcomer.feedAlone(engine, EventBatch.newBuilder().addAllEvents(login("ann")).setProducerId("newcomer")
          .setSequence(1).build());
      engine.barrier().join();
      assertThat(log.withId("02-10109")).singleElement().asString().contains("producer=newcomer", "remembered=10000");
    }
    assertThat(newcomer.refusals).singleElement().satisfies(status -> {
      assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(status.getDescription()).isEqualTo("producer_id: 'newcomer' is new, and this server already "
          + "remembers 10000 producers, the most it keeps for exactly-once; each is forgotten 24 hours after its "
          + "last batch");
    });
    assertThat(newcomer.acknowledgements.get()).isZero();
    assertThat(newcomer.counters().accepted()).as("nothing of it applied").isZero();
    assertThat(engine.producers().refused()).isEqualTo(1);

    TestFeed remembered = new TestFeed(new FeedCounters());
    remembered.feedAlone(engine, EventBatch.newBuilder().addAllEvents(login("ann")).setProducerId("p7")
        .setSequence(2).build());
    engine.barrier().join();
    assertThat(remembered.counters().accepted()).as("a producer it remembers goes on").isEqualTo(2);
  }

  @Test
  void aProducerIdleForADayIsForgottenAndItsReturnIsAppliedFromThereAndLogged() {
    FeedCounters counters = new FeedCounters();
    TestFeed.feed(engine, sequenced(1, login("ann")), counters);
    TestFeed.feed(engine, sequenced(2, login("bob")), counters);
    engine.barrier().join();
    clock.advance(Duration.ofHours(24).minusMillis(1));
    TestFeed.feed(engine, sequenced(2, login("bob")), counters);
    engine.barrier().join();
    assertThat(counters.duplicateBatches()).as("re-sent within a day: skipped").isEqualTo(1);

    clock.advance(Duration.ofHours(24));
    await("forgotten on the engine's next tick").atMost(Duration.ofSeconds(30))
        .until(() -> engine.producers().remembered() == 0);
    assertThat(engine.producers().forgottenIdle()).isEqualTo(1);
    try (LogCapture log = new LogCapture(StatisticsEngine.class)) {
      TestFeed.feed(engine, sequenced(3, login("cid")), counters);
      engine.barrier().join();
      assertThat(log.withId("02-10108")).singleElement().asString().contains("producer=routing-1", "sequence=3");
    }
    assertThat(counters.accepted()).as("applied, as a producer seen for the first time").isEqualTo(6);
    assertThat(engine.producers().mostRecent()).singleElement().satisfies(p -> {
      assertThat(p.getAppliedThrough()).isEqualTo(3);
      assertThat(p.getEvents()).as("counted from its return").isEqualTo(2);
    });
  }

  @Test
  void aReadNeverWaitsForTheEngineThreadAndSeesWhatItLastPublished() throws Exception {
    // A stream whose sink blocks holds the engine thread, as a slow client would.
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch engineHeld = new CountDownLatch(1);
    engine.open(OpenStatisticRequest.newBuilder().setObject(StatObject.newBuilder().setType(ObjectType.AGENT_GROUP)
        .setName("sales")).setStatistic(StatisticType.CURRENT_READY_AGENTS).build(), OWNER, new Recorder() {
          private int offers;

          @Override
          public void offer(StatisticValue value) {
            if (++offers == 2) {
              engineHeld.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          }
        });
    TestFeed.feed(engine, EventBatch.newBuilder().addAllEvents(loginReady(5, "ann", "bob")).build(), new FeedCounters());
    engineHeld.await();
    try {
      CompletableFuture<StatisticValue> read = CompletableFuture.supplyAsync(
          () -> get(ObjectType.AGENT_GROUP, "sales", StatisticType.CURRENT_READY_AGENTS));
      await("a read while the engine thread is held").atMost(Duration.ofSeconds(30)).until(read::isDone);
      assertThat(read.get().getCount()).as("the batch's change was published before the sink was called").isEqualTo(2);
    } finally {
      release.countDown();
    }
  }

  private static List<CenterEvent> login(String agent) {
    return loginReady(0, agent);
  }
}
