package io.tandem.protocol.log;

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
  void valuesThatCouldPassForTheLinesOwnStructureAreQuotedAndEscaped() {
    assertThat(EventLog.format(LogEvent.STATISTIC_REFUSED, "object", "x\nStd 02-10093 Backup ready", "reason", "ok"))
        .isEqualTo("Std 02-10101 Statistic request refused; object=\"x\\nStd 02-10093 Backup ready\", reason=ok")
        .doesNotContain("\n");
    assertThat(EventLog.format(LogEvent.STATISTIC_REFUSED, "object", "a, reason=forged", "quote", "say \"hi\"\\"))
        .isEqualTo("Std 02-10101 Statistic request refused; object=\"a, reason=forged\", quote=\"say \\\"hi\\\"\\\\\"");
    assertThat(EventLog.format(LogEvent.STATISTIC_REFUSED, "bidi", "abc\u202Edef", "empty", ""))
        .isEqualTo("Std 02-10101 Statistic request refused; bidi=\"abc\\u202edef\", empty=\"\"");
    assertThat(EventLog.format(LogEvent.STATISTIC_REFUSED, "reason", "switched to backup", "at", "127.0.0.1:5000"))
        .as("plain words and addresses stay as they are")
        .isEqualTo("Std 02-10101 Statistic request refused; reason=switched to backup, at=127.0.0.1:5000");
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
