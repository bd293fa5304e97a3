package io.tandem.common.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class EventLogTest {
  @Test
  void linesCarryLevelIdTextAndDetails() {
    assertThat(EventLog.format(LogEvent.NORMAL_RELOAD_FINISHED, "objects", 100000, "ms", 212))
        .isEqualTo("Std 02-10085 Normal mode of configuration reload finished; objects=100000, ms=212");
    assertThat(EventLog.format(LogEvent.PROTECTED_MODE_STARTED))
        .isEqualTo("Std 02-10086 Protected mode of configuration reload started");
  }

  @Test
  void idsAreUniqueAndWellFormed() {
    Set<String> ids = new HashSet<>();
    for (LogEvent event : LogEvent.values()) {
      assertThat(event.id()).matches("\\d\\d-\\d{5}");
      assertThat(ids.add(event.id())).as("duplicate id %s", event.id()).isTrue();
    }
    assertThat(Arrays.stream(LogEvent.values()).map(LogEvent::id))
        .contains("02-10084", "02-10085", "02-10086", "02-10087");
  }

  @Test
  void detailsMustBePairs() {
    assertThatThrownBy(() -> EventLog.emit(LoggerFactory.getLogger(getClass()), LogEvent.CONFIG_LOADED, "objects"))
        .hasMessageContaining("key/value pairs");
  }
}
