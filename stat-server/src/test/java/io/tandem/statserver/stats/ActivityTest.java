package io.tandem.statserver.stats;

import static io.tandem.statserver.stats.ConfigObjects.agent;
import static io.tandem.statserver.stats.ConfigObjects.group;
import static io.tandem.statserver.stats.ConfigObjects.model;
import static io.tandem.statserver.stats.ConfigObjects.queue;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.config.v1.ObjectType;
import io.tandem.stat.v1.AgentState;
import io.tandem.stat.v1.CenterEvent;
import io.tandem.stat.v1.EventType;
import io.tandem.statserver.model.ConfigModel;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The meaning of events, without a thread or a clock: events in, readings and touched objects out. */
class ActivityTest {
  private final Activity activity = new Activity();
  private final ConfigModel model = model(agent("ann"), agent("bob"), group("sales", "ann", "bob"), queue("q1"),
      queue("q2"));
  private final Set<StatKey> touched = new HashSet<>();





  private Activity.Outcome on(EventType type, long at, String agent, String queue, String call) {
    return activity.apply(CenterEvent.newBuilder().setType(type).setTimestampMs(at).setAgent(agent).setQueue(queue)
        .setCallId(call).build(), model, touched);
  }

  private static final StatKey SALES = new StatKey(ObjectType.AGENT_GROUP, "sales");
  private static final StatKey ANN = new StatKey(ObjectType.AGENT, "ann");
  private static final StatKey Q1 = new StatKey(ObjectType.QUEUE, "q1");

  @Test
  void aReadyAgentCountsInItsGroupsAndTouchesThem() {
    assertThat(on(EventType.AGENT_LOGIN, 1_000, "ann", "", "")).isEqualTo(Activity.Outcome.APPLIED);
    assertThat(on(EventType.AGENT_READY, 2_000, "ann", "", "")).isEqualTo(Activity.Outcome.APPLIED);
    assertThat(touched).containsExactlyInAnyOrder(ANN, SALES);
    assertThat(activity.readingOf(SALES).count()).isEqualTo(1);
    assertThat(activity.readingOf(ANN).state()).isEqualTo(AgentState.READY);
    assertThat(activity.readingOf(ANN).sinceMs()).isEqualTo(2_000);
  }

  @Test
  void aHandledCallAddsToTheAgentsAndTheGroupsTotals() {
    on(EventType.AGENT_LOGIN, 0, "ann", "", "");
    on(EventType.AGENT_READY, 0, "ann", "", "");
    on(EventType.CALL_QUEUED, 1_000, "", "q1", "c1");
    assertThat(activity.readingOf(Q1).count()).isEqualTo(1);
    on(EventType.CALL_ANSWERED, 3_000, "ann", "q1", "c1");
    assertThat(activity.readingOf(Q1).count()).isZero();
    on(EventType.CALL_RELEASED, 63_000, "ann", "", "c1");
    on(EventType.AFTER_CALL_WORK_ENDED, 73_000, "ann", "", "");
    Reading group = activity.readingOf(SALES);
    assertThat(group.answered()).isEqualTo(1);
    assertThat(group.handled()).isEqualTo(1);
    assertThat(group.handleMs()).as("60 s talk and 10 s after-call work").isEqualTo(70_000);
    assertThat(activity.readingOf(ANN).state()).isEqualTo(AgentState.READY);
  }

  /** The call stayed waiting in q1 for good: routing saw a call there that was long answered. */
  @Test
  void aCallQueuedAgainInAnotherQueueWaitsThereOnly() {
    StatKey q2 = new StatKey(ObjectType.QUEUE, "q2");
    on(EventType.AGENT_LOGIN, 0, "ann", "", "");
    on(EventType.AGENT_READY, 0, "ann", "", "");
    on(EventType.CALL_QUEUED, 1_000, "", "q1", "c1");
    touched.clear();
    assertThat(on(EventType.CALL_QUEUED, 2_000, "", "q2", "c1")).isEqualTo(Activity.Outcome.APPLIED);
    assertThat(touched).containsExactlyInAnyOrder(Q1, q2);
    assertThat(activity.readingOf(Q1).count()).isZero();
    assertThat(activity.readingOf(q2).count()).isEqualTo(1);
    on(EventType.CALL_ANSWERED, 3_000, "ann", "q2", "c1");
    assertThat(activity.readingOf(q2).count()).isZero();
    assertThat(on(EventType.CALL_QUEUED, 4_000, "", "q2", "c2")).isEqualTo(Activity.Outcome.APPLIED);
    assertThat(on(EventType.CALL_QUEUED, 4_000, "", "q2", "c2")).as("the same queue twice").isEqualTo(
        Activity.Outcome.IGNORED);
  }

  @Test
  void eventsAboutUnknownObjectsOrOutOfOrderAreNotApplied() {
    assertThat(on(EventType.AGENT_READY, 0, "ghost", "", "")).isEqualTo(Activity.Outcome.UNKNOWN_OBJECT);
    assertThat(on(EventType.CALL_RELEASED, 0, "ann", "", "c9")).as("not talking").isEqualTo(Activity.Outcome.IGNORED);
    assertThat(touched).isEmpty();
  }

  @Test
  void aReloadForgetsWhatLeftTheConfigurationAndRecountsTheGroups() {
    on(EventType.AGENT_LOGIN, 0, "ann", "", "");
    on(EventType.AGENT_READY, 0, "ann", "", "");
    on(EventType.AGENT_LOGIN, 0, "bob", "", "");
    on(EventType.AGENT_READY, 0, "bob", "", "");
    activity.reconcile(model(agent("bob"), group("sales", "bob")));
    assertThat(activity.readingOf(ANN)).isEqualTo(Reading.NONE);
    assertThat(activity.readingOf(SALES).count()).isEqualTo(1);
    assertThat(activity.keys()).doesNotContain(ANN).contains(SALES);
  }
}
