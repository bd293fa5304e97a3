package io.tandem.statserver.stats;

import io.tandem.config.v1.ObjectType;
import io.tandem.stat.v1.AgentState;
import io.tandem.stat.v1.AgentStateValue;
import io.tandem.stat.v1.AverageValue;
import io.tandem.stat.v1.StatObject;
import io.tandem.stat.v1.StatisticType;
import io.tandem.stat.v1.StatisticValue;

/**
 * How a statistic's value is rendered from a {@link Reading}: one pure function, used alike for
 * the values the engine thread sends and for those read on a caller's thread.
 */
final class StatisticValues {
  private StatisticValues() {}

  /**
   * The value of statistic {@code type} of {@code key} at {@code nowMs}; totals and averages count
   * from {@code baseline} (zero for a one-off read).
   */
  static StatisticValue.Builder render(StatKey key, StatisticType type, Totals baseline, Reading reading, long nowMs) {
    StatisticValue.Builder value = StatisticValue.newBuilder()
        .setObject(StatObject.newBuilder().setType(key.type()).setName(key.name()))
        .setStatistic(type)
        .setComputedAtMs(nowMs);
    switch (type) {
      case CURRENT_AGENT_STATE -> {
        AgentState state = reading.state();
        long since = reading.sinceMs();
        value.setAgentState(AgentStateValue.newBuilder().setState(state).setSinceMs(since)
            .setDurationMs(since == 0 ? 0 : Math.max(0, nowMs - since)));
      }
      case CURRENT_READY_AGENTS, CURRENT_WAITING_CALLS -> value.setCount(reading.count());
      case TOTAL_CALLS_ANSWERED -> value.setCount(reading.answered() - baseline.answered);
      case AVERAGE_HANDLE_TIME -> {
        long calls = reading.handled() - baseline.handled;
        long handleMs = reading.handleMs() - baseline.handleMs;
        value.setAverage(AverageValue.newBuilder().setCalls(calls).setAverageMs(calls == 0 ? 0 : (double) handleMs / calls));
      }
      default -> { }
    }
    return value;
  }

  /** Whether statistics are kept for objects of {@code type}. */
  static boolean counted(ObjectType type) {
    return type == ObjectType.AGENT || type == ObjectType.AGENT_GROUP || type == ObjectType.QUEUE;
  }
}
