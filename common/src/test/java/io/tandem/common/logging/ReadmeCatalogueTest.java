package io.tandem.common.logging;

import io.tandem.protocol.log.LogEvent;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.protocol.options.Option;
import io.tandem.protocol.options.OptionCatalogue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Each catalogue — log events, options, metrics — has exactly one home among the documentation
 * pages, and that home lists everything the code has.
 */
class ReadmeCatalogueTest {
  private static final Path LOG_EVENTS = Path.of("docs", "log-events.md");
  private static final Path OPTIONS = Path.of("docs", "options.md");
  private static final Path METRICS = Path.of("docs", "metrics.md");
  private static final Pattern METRIC_REGISTERED = Pattern.compile("\\.name\\(\"(tandem_[a-z0-9_]+)\"\\)");
  private static final Pattern METRIC_NAME = Pattern.compile("`(tandem_[a-z0-9_]+)`");

  @Test
  void everyLogEventHasOneRowWithItsLevelInTheLogEventCatalogueOnly() {
    for (LogEvent event : LogEvent.values()) {
      String row = "| " + event.id() + " | " + event.level().label() + " |";
      assertThat(pagesWithRow(line -> line.startsWith(row)))
          .as("pages with a catalogue row of %s (%s)", event.id(), row)
          .containsExactly(LOG_EVENTS);
    }
  }

  @Test
  void everyOptionHasOneRowInTheOptionCatalogueOnly() {
    for (Option<?> option : OptionCatalogue.all()) {
      assertThat(pagesWithRow(line -> optionOf(line).equals(option.qualifiedName())))
          .as("pages with a catalogue row of option %s", option.qualifiedName())
          .containsExactly(OPTIONS);
    }
  }

  @Test
  void everyOptionCatalogueRowIsAnOptionTheServicesRead() {
    Set<String> known = OptionCatalogue.all().stream().map(Option::qualifiedName).collect(Collectors.toSet());
    List<String> rows = DocumentationPages.proseLines(OPTIONS).stream()
        .map(ReadmeCatalogueTest::optionOf).filter(name -> !name.isEmpty()).toList();
    assertThat(rows).as("options catalogued in %s", OPTIONS).isNotEmpty();
    assertThat(known).as("OptionCatalogue").containsAll(rows);
  }

  @Test
  void everyMetricHasOneRowInTheMetricCatalogueOnly() throws IOException {
    Set<String> registered = metricsRegisteredInTheCode();
    assertThat(registered).as("metric families registered by the services' code").contains("tandem_serving");
    for (String metric : registered) {
      assertThat(pagesWithRow(line -> metricsOf(line).contains(metric)))
          .as("pages with a catalogue row of metric %s", metric)
          .containsExactly(METRICS);
    }
  }

  @Test
  void everyMetricCatalogueRowIsAFamilyTheServicesRegister() throws IOException {
    Set<String> rows = DocumentationPages.proseLines(METRICS).stream()
        .flatMap(line -> metricsOf(line).stream()).collect(Collectors.toCollection(TreeSet::new));
    assertThat(rows).as("metrics catalogued in %s", METRICS).isNotEmpty();
    assertThat(metricsRegisteredInTheCode()).as("metric families registered by the services' code").containsAll(rows);
  }

  /** The pages holding a table row that {@code isRow} accepts. */
  private static List<Path> pagesWithRow(Predicate<String> isRow) {
    return DocumentationPages.all().stream()
        .filter(page -> DocumentationPages.proseLines(page).stream().anyMatch(isRow))
        .toList();
  }

  /** {@code section/key} of an option-table row ({@code | application | `section` | `key` | ...}), or "". */
  private static String optionOf(String line) {
    String[] cells = line.split("\\|", -1);
    if (!line.startsWith("|") || cells.length < 4) {
      return "";
    }
    String section = cells[2].strip();
    String key = cells[3].strip();
    if (!isCode(section) || !isCode(key)) {
      return "";
    }
    return section.substring(1, section.length() - 1) + "/" + key.substring(1, key.length() - 1);
  }

  private static boolean isCode(String cell) {
    return cell.length() > 2 && cell.startsWith("`") && cell.endsWith("`") && cell.indexOf('`', 1) == cell.length() - 1;
  }

  /** The metric families named in the first cell of a table row. */
  private static Set<String> metricsOf(String line) {
    String[] cells = line.split("\\|", -1);
    if (!line.startsWith("|") || cells.length < 2) {
      return Set.of();
    }
    Set<String> names = new TreeSet<>();
    Matcher matcher = METRIC_NAME.matcher(cells[1]);
    while (matcher.find()) {
      names.add(matcher.group(1));
    }
    return names;
  }

  /** Every {@code tandem_…} family named in a metric builder of the modules' main code. */
  private static Set<String> metricsRegisteredInTheCode() throws IOException {
    Set<String> names = new TreeSet<>();
    try (Stream<Path> files = Files.walk(DocumentationPages.ROOT)) {
      for (Path file : files.filter(ReadmeCatalogueTest::isMainJava).toList()) {
        Matcher matcher = METRIC_REGISTERED.matcher(Files.readString(file));
        while (matcher.find()) {
          names.add(matcher.group(1));
        }
      }
    }
    return names;
  }

  private static boolean isMainJava(Path file) {
    String path = file.toString().replace('\\', '/');
    return path.endsWith(".java") && path.contains("/src/main/java/") && !path.contains("/target/");
  }
}
