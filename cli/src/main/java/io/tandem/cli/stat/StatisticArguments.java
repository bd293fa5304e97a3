package io.tandem.cli.stat;

import io.tandem.common.config.ObjectTypes;
import io.tandem.config.v1.ObjectType;
import io.tandem.stat.v1.AgentStateValue;
import io.tandem.stat.v1.StatObject;
import io.tandem.stat.v1.StatisticSpec;
import io.tandem.stat.v1.StatisticType;
import io.tandem.stat.v1.StatisticValue;
import java.util.Arrays;
import java.util.Locale;
import picocli.CommandLine.Parameters;

/** {@code TYPE NAME STATISTIC}, as operators write them ({@code AgentGroup Sales CurrentReadyAgents}). */
public final class StatisticArguments {
  @Parameters(index = "0", paramLabel = "TYPE", description = "Agent, AgentGroup or Queue.")
  String type;

  @Parameters(index = "1", paramLabel = "NAME")
  String name;

  @Parameters(index = "2", paramLabel = "STATISTIC", description = "CurrentAgentState, CurrentReadyAgents, "
      + "CurrentWaitingCalls, TotalCallsAnswered or AverageHandleTime.")
  String statistic;

  StatObject object() {
    ObjectType objectType = ObjectTypes.parse(type);
    return StatObject.newBuilder().setType(objectType).setName(name).build();
  }

  StatisticType statisticType() {
    return parseStatistic(statistic);
  }

  StatisticSpec spec() {
    return StatisticSpec.newBuilder().setObject(object()).setStatistic(statisticType()).build();
  }

  /** {@code CurrentReadyAgents}, {@code current-ready-agents} or {@code CURRENT_READY_AGENTS}. */
  static StatisticType parseStatistic(String text) {
    String key = text.trim().replace("-", "").replace("_", "").toUpperCase(Locale.ROOT);
    return Arrays.stream(StatisticType.values())
        .filter(t -> t != StatisticType.STATISTIC_TYPE_UNSPECIFIED && t != StatisticType.UNRECOGNIZED)
        .filter(t -> t.name().replace("_", "").equals(key))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown statistic '" + text + "' (one of CurrentAgentState, "
            + "CurrentReadyAgents, CurrentWaitingCalls, TotalCallsAnswered, AverageHandleTime)"));
  }

  /** One readable line for a value. */
  static String render(StatisticValue value) {
    String what = switch (value.getValueCase()) {
      case AGENT_STATE -> {
        AgentStateValue state = value.getAgentState();
        yield state.getState() + " for " + state.getDurationMs() / 1000.0 + " s";
      }
      case COUNT -> String.valueOf(value.getCount());
      case AVERAGE -> String.format("%.1f ms over %d call(s)", value.getAverage().getAverageMs(),
          value.getAverage().getCalls());
      default -> "-";
    };
    return ObjectTypes.displayName(value.getObject().getType()) + " " + value.getObject().getName() + " "
        + value.getStatistic() + " = " + what
        + (value.getClosedReason().isEmpty() ? "" : " (closed: " + value.getClosedReason() + ")");
  }
}
