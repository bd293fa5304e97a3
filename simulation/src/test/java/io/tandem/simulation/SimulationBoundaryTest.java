package io.tandem.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The simulator uses the pure decision classes only (the protocol module, and the Management
 * Layer's redundancy package until it joins them), never the services' gRPC plumbing.
 */
class SimulationBoundaryTest {
  private static final Pattern IMPORT = Pattern.compile("^import (?:static )?([\\w.]+);", Pattern.MULTILINE);
  private static final List<String> ALLOWED = List.of(
      "io.tandem.protocol.",
      "io.tandem.management.redundancy.",
      "io.tandem.config.v1.",
      "io.tandem.management.v1.",
      "io.tandem.stat.v1.");

  @Test
  void importsNoPlumbing() throws IOException {
    try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
      for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
        Matcher m = IMPORT.matcher(Files.readString(source));
        while (m.find()) {
          String imported = m.group(1);
          assertThat(imported).as(source + " imports " + imported).doesNotStartWith("io.grpc");
          if (imported.startsWith("io.tandem.")) {
            assertThat(ALLOWED).as(source + " imports " + imported).anyMatch(imported::startsWith);
          }
        }
      }
    }
  }
}
