package io.tandem.management.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.protocol.redundancy.Epochs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileEpochLedgerTest {
  private static final Instant NOW = Instant.parse("2026-12-05T03:12:00Z");

  @TempDir
  Path dir;

  private static Clock at(Instant instant) {
    return Clock.fixed(instant, ZoneOffset.UTC);
  }

  @Test
  void aFirstStartBeginsAboveTheClockSoEpochsOfAnEarlierInstallationStayBelow() throws IOException {
    FileEpochLedger ledger = FileEpochLedger.open(dir.resolve("management-data"), at(NOW));
    assertThat(ledger.highest()).isEqualTo(NOW.toEpochMilli());
    assertThat(Files.readString(dir.resolve("management-data").resolve(FileEpochLedger.FILE)).trim())
        .isEqualTo(Long.toString(NOW.toEpochMilli()));
  }

  @Test
  void aRestartWithItsClockSetBackAnHourStillStartsAboveEveryEpochRecorded() throws IOException {
    FileEpochLedger first = FileEpochLedger.open(dir, at(NOW));
    first.record(NOW.toEpochMilli() + 5, 1);
    FileEpochLedger restarted = FileEpochLedger.open(dir, at(NOW.minus(Duration.ofHours(1))));
    assertThat(restarted.highest()).isEqualTo(NOW.toEpochMilli() + 5);
  }

  @Test
  void onlyAHigherEpochIsRecorded() throws IOException {
    FileEpochLedger ledger = FileEpochLedger.open(dir, at(NOW));
    assertThatThrownBy(() -> ledger.record(NOW.toEpochMilli(), 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not above the highest recorded");
  }

  @Test
  void anEpochThatCannotBeWrittenIsRefusedAndTheLedgerStillHoldsTheOneBefore() throws IOException {
    FileEpochLedger ledger = FileEpochLedger.open(dir, at(NOW));
    Files.createDirectory(dir.resolve(FileEpochLedger.FILE + ".tmp")); // where the new value would be written
    assertThatThrownBy(() -> ledger.record(NOW.toEpochMilli() + 1, 1)).isInstanceOf(EpochNotRecordedException.class)
        .hasMessageContaining(dir.resolve(FileEpochLedger.FILE).toString());
    assertThat(ledger.highest()).isEqualTo(NOW.toEpochMilli());
    assertThat(FileEpochLedger.open(dir, at(NOW)).highest()).isEqualTo(NOW.toEpochMilli());
  }

  @Test
  void aDamagedLedgerStopsTheStartNamingTheFile() throws IOException {
    Files.writeString(dir.resolve(FileEpochLedger.FILE), "12x\n");
    assertThatThrownBy(() -> FileEpochLedger.open(dir, at(NOW))).isInstanceOf(IOException.class)
        .hasMessageContaining(dir.resolve(FileEpochLedger.FILE).toString()).hasMessageContaining("not an epoch");
  }

  /** Recorded, it could never be claimed back: the command carrying it is withheld instead. */
  @Test
  void anEpochAboveTheMostAnEpochMayBeIsNotRecorded() throws IOException {
    Files.writeString(dir.resolve(FileEpochLedger.FILE), Epochs.MAX + "\n");
    FileEpochLedger ledger = FileEpochLedger.open(dir, at(NOW));
    assertThatThrownBy(() -> ledger.record(Epochs.MAX + 1, 0)).isInstanceOf(EpochNotRecordedException.class)
        .hasMessageContaining("above " + Epochs.MAX + ", the most an epoch may be");
    assertThat(ledger.highest()).isEqualTo(Epochs.MAX);
  }

  /** Counting on from it would wrap: the start stops, as for any damaged ledger, rather than issue epochs again. */
  @Test
  void aLedgerAboveTheMostAnEpochMayBeStopsTheStart() throws IOException {
    Files.writeString(dir.resolve(FileEpochLedger.FILE), Long.MAX_VALUE + "\n");
    assertThatThrownBy(() -> FileEpochLedger.open(dir, at(NOW))).isInstanceOf(IOException.class)
        .hasMessageContaining(Long.MAX_VALUE + ", above " + Epochs.MAX + ", the most an epoch may be");
  }
}
