package io.tandem.common.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class EventLogTest {
  @Test
  void linesCarryLevelIdTextAndDetails() {
    assertThat(EventLog.format(LogEvent.JOURNAL_RECOVERED, "records", 100000, "ms", 212))
        .isEqualTo("Std 21-20001 Journal recovered; records=100000, ms=212");
    assertThat(EventLog.format(LogEvent.SERVICE_STOPPING))
        .isEqualTo("Std 00-05063 Service stopping");
  }

  @Test
  void idsAreUniqueAndWellFormed() {
    Set<String> ids = new HashSet<>();
    for (LogEvent event : LogEvent.values()) {
      assertThat(event.id()).matches("\\d\\d-\\d{5}");
      assertThat(ids.add(event.id())).as("duplicate id %s", event.id()).isTrue();
    }
  }

  @Test
  void detailsMustBePairs() {
    assertThatThrownBy(() -> EventLog.emit(LoggerFactory.getLogger(getClass()), LogEvent.JOURNAL_RECOVERED, "objects"))
        .hasMessageContaining("key/value pairs");
  }
}
