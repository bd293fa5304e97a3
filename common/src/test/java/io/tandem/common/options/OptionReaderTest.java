package io.tandem.common.options;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OptionReaderTest {
  private static final Option<Boolean> DELAY =
      Option.of("statserver", "config-reload-delay-if-primary", false, OptionParsers.bool());
  private static final Option<Duration> INTERVAL = Option.of("statserver", "backup-check-interval",
      Duration.ofMillis(1000), OptionParsers.duration(ChronoUnit.MILLIS, Duration.ofMillis(50), Duration.ofMillis(60_000)));
  private static final Option<Long> RECORDS = Option.of("history-log", "max-records", 1000L,
      OptionParsers.integer(1, 1_000_000));

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
}
