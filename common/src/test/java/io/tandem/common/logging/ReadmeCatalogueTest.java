package io.tandem.common.logging;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.protocol.log.LogEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README documents every log event id, with its level. */
class ReadmeCatalogueTest {
  @Test
  void everyIdIsInTheReadme() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    for (LogEvent event : LogEvent.values()) {
      assertThat(readme).as("README row of %s", event).contains("| " + event.id() + " | " + event.level().label() + " |");
    }
  }
}
