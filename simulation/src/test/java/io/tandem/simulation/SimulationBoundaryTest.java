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
 * The simulator drives the services' own classes — decisions and shells — but never their
 * transport: no gRPC channel, server, stub or socket, only gRPC's status values, which the shells'
 * interfaces speak. Whatever crosses a process boundary goes over the simulated network.
 */
class SimulationBoundaryTest {
  private static final Pattern IMPORT = Pattern.compile("^import (?:static )?([\\w.]+);", Pattern.MULTILINE);
  private static final List<String> GRPC_VALUES = List.of("io.grpc.Status", "io.grpc.StatusRuntimeException",
      "io.grpc.Metadata");

  @Test
  void importsNoTransport() throws IOException {
    try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
      for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
        Matcher m = IMPORT.matcher(Files.readString(source));
        while (m.find()) {
          String imported = m.group(1);
          if (imported.startsWith("io.grpc.")) {
            assertThat(GRPC_VALUES).as(source + " imports " + imported).contains(imported);
          }
          assertThat(imported).as(source + " imports " + imported)
              .doesNotStartWith("io.netty")
              .doesNotStartWith("io.tandem.common.grpc.Channels")
              .doesNotStartWith("java.net")
              .doesNotEndWith("Grpc");
        }
      }
    }
  }
}
