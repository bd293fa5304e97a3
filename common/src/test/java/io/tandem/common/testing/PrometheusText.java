package io.tandem.common.testing;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Metrics in Prometheus text format, read the way a scraper reads them: every sample line
 * ({@code name{label="value",...} 1.0}) by its series, and the {@code # TYPE} of every family.
 */
public final class PrometheusText {
  private final Map<String, Double> samples = new LinkedHashMap<>();
  private final Map<String, String> types = new LinkedHashMap<>();
  private final String text;

  public PrometheusText(String text) {
    this.text = text;
    for (String line : text.split("\n", -1)) {
      if (line.startsWith("# TYPE ")) {
        String[] parts = line.split(" ", -1);
        types.put(parts[2], parts[3]);
      } else if (!line.isBlank() && !line.startsWith("#")) {
        int space = line.lastIndexOf(' ');
        samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
      }
    }
  }

  /** What {@code registry} would answer a scrape with now. */
  public static PrometheusText of(PrometheusRegistry registry) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape(), EscapingScheme.ALLOW_UTF8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new PrometheusText(out.toString(StandardCharsets.UTF_8));
  }

  /** Every sample name scraped ({@code tandem_reloads_total}, {@code tandem_reload_duration_seconds_bucket}, ...). */
  public java.util.Set<String> sampleNames() {
    java.util.Set<String> names = new java.util.TreeSet<>();
    for (String series : samples.keySet()) {
      int brace = series.indexOf('{');
      names.add(brace < 0 ? series : series.substring(0, brace));
    }
    return names;
  }

  /** The family's type ("counter", "gauge", "histogram"), or null when it is not there. */
  public String type(String family) {
    return types.get(family);
  }

  /**
   * The value of the one sample named {@code name} carrying every label given as {@code key, value}
   * pairs (other labels may be there too); empty when none does.
   *
   * @throws IllegalArgumentException when more than one series matches
   */
  public OptionalDouble value(String name, String... labels) {
    List<Double> found = new ArrayList<>();
    samples.forEach((series, value) -> {
      if (matches(series, name, labels)) {
        found.add(value);
      }
    });
    if (found.size() > 1) {
      throw new IllegalArgumentException(found.size() + " series match " + name + " " + List.of(labels));
    }
    return found.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(found.get(0));
  }

  /** The sum over every series named {@code name} that carries the labels given. */
  public double sum(String name, String... labels) {
    return samples.entrySet().stream().filter(e -> matches(e.getKey(), name, labels))
        .mapToDouble(Map.Entry::getValue).sum();
  }

  private static boolean matches(String series, String name, String[] labels) {
    int brace = series.indexOf('{');
    if (!(brace < 0 ? series : series.substring(0, brace)).equals(name)) {
      return false;
    }
    for (int i = 0; i + 1 < labels.length; i += 2) {
      if (!series.contains(labels[i] + "=\"" + labels[i + 1] + "\"")) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return text;
  }
}
