package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.Mode;
import io.tandem.stat.v1.ConfigState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a container's health check reads in a Stat Server's status file ({@code --status-file}). */
class StatusFileScenariosTest extends PairStackTest {
  @Test
  void aBackupThatByConfigurationServesNoClientsIsHealthy() throws Exception {
    // Both members start at once and either may be made primary first, so neither accepts clients as backup.
    stack = new PairStack(dir, PairStack.Setup.pair("true", "no")).start();
    String backup = stack.other(stack.primary());
    await("the running, synced backup").atMost(PairStack.WAIT)
        .until(() -> stack.member(backup).getMode() == Mode.BACKUP && stack.member(backup).getStatus() == AppStatus.RUNNING
        && stack.info(backup).getConfigState() == ConfigState.SYNCED);
    Instant synced = Instant.now();

    Path file = stack.statusFile(backup);
    await("the status file rewritten since").atMost(PairStack.WAIT)
        .until(() -> written(file).filter(at -> at.isAfter(synced)).isPresent());
    assertThat(Files.readString(file)).as(backup + "'s status file")
        .startsWith("healthy=yes\nserving=no\nreason=backup mode; accept-clients-in-backup-mode = no\n");
  }

  /** When the file says it was written; empty while there is none (or it is being replaced). */
  private static Optional<Instant> written(Path file) throws Exception {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    return Files.readAllLines(file).stream().filter(line -> line.startsWith("written="))
        .map(line -> Instant.parse(line.substring("written=".length()))).findFirst();
  }
}
