package io.tandem.cli.stat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.stat.v1.CenterEvent;
import io.tandem.stat.v1.EventType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ContactCenterSimulationTest {
  private static List<CenterEvent> run(long seed, double rate, int seconds) {
    ContactCenterSimulation simulation = new ContactCenterSimulation(List.of("a1", "a2", "a3", "a4", "a5"),
        List.of("q1", "q2"), rate, new Random(seed));
    List<CenterEvent> events = new ArrayList<>();
    for (long t = 0; t <= seconds * 1000L; t += 10) {
      events.addAll(simulation.step(1_000_000 + t));
    }
    return events;
  }

  @Test
  void theSameSeedGivesTheSameTraffic() {
    assertThat(run(7, 200, 5)).isEqualTo(run(7, 200, 5));
    assertThat(run(7, 200, 5)).isNotEqualTo(run(8, 200, 5));
  }

  @Test
  void itProducesAboutTheAskedRateOfEventsThatFollowACallsLifecycle() {
    List<CenterEvent> events = run(1, 200, 30);
    assertThat(events.size() / 30.0).isBetween(120.0, 260.0);
    Set<String> queued = new HashSet<>();
    Map<String, String> talking = new HashMap<>();
    for (CenterEvent e : events) {
      switch (e.getType()) {
        case CALL_QUEUED -> assertThat(queued.add(e.getCallId())).isTrue();
        case CALL_ANSWERED -> {
          assertThat(queued.remove(e.getCallId())).as("answered %s was queued", e.getCallId()).isTrue();
          assertThat(talking.put(e.getAgent(), e.getCallId())).as("%s answers while talking", e.getAgent()).isNull();
        }
        case CALL_ABANDONED -> assertThat(queued.remove(e.getCallId())).isTrue();
        case CALL_RELEASED -> assertThat(talking.remove(e.getAgent())).isNotNull();
        default -> { }
      }
    }
    assertThat(events).extracting(CenterEvent::getType).contains(EventType.AGENT_LOGIN, EventType.AGENT_READY,
        EventType.CALL_QUEUED, EventType.CALL_ANSWERED, EventType.CALL_RELEASED, EventType.AFTER_CALL_WORK_ENDED);
  }

  @Test
  void timestampsNeverGoBackwards() {
    long previous = 0;
    for (CenterEvent e : run(3, 500, 5)) {
      if (e.getType() != EventType.CALL_QUEUED) {
        assertThat(e.getTimestampMs()).isGreaterThanOrEqualTo(previous);
        previous = e.getTimestampMs();
      }
    }
  }

  @Test
  void nonsenseIsRefused() {
    assertThatThrownBy(() -> new ContactCenterSimulation(List.of(), List.of("q"), 10, new Random()))
        .hasMessageContaining("at least one agent");
    assertThatThrownBy(() -> new ContactCenterSimulation(List.of("a"), List.of("q"), 0, new Random()))
        .hasMessageContaining("--rate");
  }
}
