package io.tandem.protocol.options;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import io.tandem.protocol.log.LogCapture;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OptionReaderTest {
  private static final Option<Boolean> DELAY = OptionCatalogue.CONFIG_RELOAD_DELAY_IF_PRIMARY;
  private static final Option<Duration> INTERVAL = OptionCatalogue.BACKUP_CHECK_INTERVAL;
  private static final Option<Long> RECORDS = OptionCatalogue.MAX_RECORDS;

  private final OptionReader reader = new OptionReader("StatServer_A");

  private static Map<String, Map<String, String>> sections(String section, String key, String value) {
    return Map.of(section, Map.of(key, value));
  }

  @Test
  void absentOptionGivesTheDefault() {
    assertThat(reader.read(DELAY, Map.of())).isFalse();
    assertThat(reader.read(INTERVAL, Map.of("statserver", Map.of()))).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void validValuesParse() {
    assertThat(reader.read(DELAY, sections("statserver", "config-reload-delay-if-primary", " TRUE "))).isTrue();
    assertThat(reader.read(DELAY, sections("statserver", "config-reload-delay-if-primary", "no"))).isFalse();
    assertThat(reader.read(INTERVAL, sections("statserver", "backup-check-interval", "250"))).isEqualTo(Duration.ofMillis(250));
    assertThat(reader.read(INTERVAL, sections("statserver", "backup-check-interval", "2s"))).isEqualTo(Duration.ofSeconds(2));
    assertThat(reader.read(RECORDS, sections("history-log", "max-records", "20"))).isEqualTo(20L);
  }

  @Test
  void badValuesFallBackToTheDefault() {
    assertThat(reader.read(DELAY, sections("statserver", "config-reload-delay-if-primary", "maybe"))).isFalse();
    assertThat(reader.read(INTERVAL, sections("statserver", "backup-check-interval", "10"))).isEqualTo(Duration.ofSeconds(1));
    assertThat(reader.read(INTERVAL, sections("statserver", "backup-check-interval", "fast"))).isEqualTo(Duration.ofSeconds(1));
    assertThat(reader.read(INTERVAL, sections("statserver", "backup-check-interval", "99999999999999999999")))
        .isEqualTo(Duration.ofSeconds(1));
    assertThat(reader.read(RECORDS, sections("history-log", "max-records", "-3"))).isEqualTo(1000L);
    assertThat(reader.read(RECORDS, sections("history-log", "max-records", ""))).isEqualTo(1000L);
  }

  @Test
  void parseErrorNamesTheOptionTheValueAndWhatIsAccepted() {
    assertThatThrownBy(() -> INTERVAL.parse("10"))
        .isInstanceOf(InvalidOptionException.class)
        .hasMessageContaining("statserver/backup-check-interval")
        .hasMessageContaining("'10'")
        .hasMessageContaining("out of range")
        .hasMessageContaining("50ms..1m");
    assertThatThrownBy(() -> DELAY.parse("maybe"))
        .hasMessageContaining("statserver/config-reload-delay-if-primary = 'maybe' is invalid: not a boolean");
  }

  @Test
  void durationsAcceptEveryUnitAndRenderTheLargestWholeOne() {
    var parser = OptionParsers.duration(ChronoUnit.DAYS, Duration.ofMillis(1), Duration.ofDays(365));
    assertThat(parser.parse("30")).isEqualTo(Duration.ofDays(30));
    assertThat(parser.parse("30d")).isEqualTo(Duration.ofDays(30));
    assertThat(parser.parse("5h")).isEqualTo(Duration.ofHours(5));
    assertThat(parser.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(parser.parse("3s")).isEqualTo(Duration.ofSeconds(3));
    assertThat(parser.parse("1500ms")).isEqualTo(Duration.ofMillis(1500));
    assertThat(parser.render(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(parser.render(Duration.ofDays(30))).isEqualTo("30d");
    assertThatThrownBy(() -> parser.parse("1.5s")).hasMessageContaining("not a duration");
    assertThatThrownBy(() -> parser.parse("0")).hasMessageContaining("out of range");
  }

  @Test
  void aMisspelledKeyIsReportedWithTheClosestKnownKeyEachTimeItAppears() {
    try (LogCapture log = new LogCapture(OptionReader.class)) {
      Map<String, Map<String, String>> typo = sections("statserver", "config-reload-delay-if-primay", "true");
      reader.reportUnknown(Set.of("statserver"), typo);
      assertThat(reader.read(DELAY, typo)).as("the default stays in force").isFalse();
      assertThat(log.withId("00-05072")).singleElement().asString().contains("application=StatServer_A",
          "section=statserver", "key=config-reload-delay-if-primay", "closest=config-reload-delay-if-primary");

      reader.reportUnknown(Set.of("statserver"), typo);
      assertThat(log.withId("00-05072")).as("reported once while it stays").hasSize(1);
      reader.reportUnknown(Set.of("statserver"), Map.of());
      reader.reportUnknown(Set.of("statserver"), typo);
      assertThat(log.withId("00-05072")).as("and again when it comes back").hasSize(2);

      reader.reportUnknown(Set.of("statserver"), Map.of("management", Map.of("nonsense", "1"),
          "statserver", Map.of("backup-check-interval", "100")));
      assertThat(log.withId("00-05072")).as("known keys and sections it does not read are not reported").hasSize(2);
    }
  }

  @Test
  void theClosestKnownKeyIsTheFewestEditsAway() {
    assertThat(OptionCatalogue.closest("management", "heartbeat-timout")).hasValue("heartbeat-timeout");
    assertThat(OptionCatalogue.closest("history-log", "max-record")).hasValue("max-records");
    assertThat(OptionCatalogue.closest("nosuch", "x")).isEmpty();
    assertThat(OptionCatalogue.editDistance("kitten", "sitting")).isEqualTo(3);
  }
}
