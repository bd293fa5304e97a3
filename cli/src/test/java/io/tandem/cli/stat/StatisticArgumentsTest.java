package io.tandem.cli.stat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.config.v1.ObjectType;
import io.tandem.stat.v1.AverageValue;
import io.tandem.stat.v1.StatObject;
import io.tandem.stat.v1.StatisticType;
import io.tandem.stat.v1.StatisticValue;
import org.junit.jupiter.api.Test;

class StatisticArgumentsTest {
  @Test
  void statisticsAreReadAsOperatorsWriteThem() {
    assertThat(StatisticArguments.parseStatistic("CurrentReadyAgents")).isEqualTo(StatisticType.CURRENT_READY_AGENTS);
    assertThat(StatisticArguments.parseStatistic("average-handle-time")).isEqualTo(StatisticType.AVERAGE_HANDLE_TIME);
    assertThat(StatisticArguments.parseStatistic("TOTAL_CALLS_ANSWERED")).isEqualTo(StatisticType.TOTAL_CALLS_ANSWERED);
    assertThatThrownBy(() -> StatisticArguments.parseStatistic("Happiness"))
        .hasMessageContaining("unknown statistic 'Happiness'");
  }

  @Test
  void valuesRenderReadably() {
    StatisticValue value = StatisticValue.newBuilder()
        .setObject(StatObject.newBuilder().setType(ObjectType.AGENT_GROUP).setName("Sales"))
        .setStatistic(StatisticType.AVERAGE_HANDLE_TIME)
        .setAverage(AverageValue.newBuilder().setAverageMs(84_000).setCalls(5)).build();
    assertThat(StatisticArguments.render(value)).isEqualTo("AgentGroup Sales AVERAGE_HANDLE_TIME = 84000.0 ms over 5 call(s)");
  }
}
