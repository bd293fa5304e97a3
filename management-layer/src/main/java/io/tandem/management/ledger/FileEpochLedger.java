package io.tandem.management.ledger;

import io.tandem.protocol.redundancy.Epochs;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger of a single Management Layer: the file {@code epoch} in its {@code --data-dir},
 * holding the highest epoch recorded, replaced whole (written beside it, forced to disk, renamed,
 * the directory forced) so that a crash leaves either the old value or the new one.
 *
 * <p>A data directory without the file is a first start: epochs then begin above the clock's time
 * in milliseconds, as Management Layers did before the ledger, so they stay above any epoch such
 * an installation's applications still hold. From then on only the file counts.
 */
public final class FileEpochLedger implements EpochLedger {
  private static final Logger LOG = LoggerFactory.getLogger(FileEpochLedger.class);
  static final String FILE = "epoch";

  private final Path dir;
  private final Path file;
  private long highest;

  private FileEpochLedger(Path dir, long highest) {
    this.dir = dir;
    this.file = dir.resolve(FILE);
    this.highest = highest;
  }

  /**
   * The ledger in {@code dir}, made on a first start.
   *
   * @throws IOException naming the file when it cannot be read, or holds no epoch
   */
  public static FileEpochLedger open(Path dir, Clock clock) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve(FILE);
    if (!Files.exists(file)) {
      FileEpochLedger ledger = new FileEpochLedger(dir, 0);
      ledger.write(clock.millis());
      EventLog.emit(LOG, LogEvent.EPOCH_LEDGER_OPENED, "file", file, "highest", ledger.highest(), "first_start", true);
      return ledger;
    }
    String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
    long highest;
    try {
      highest = Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IOException(file + " holds \"" + text + "\", not an epoch: restore it from a backup, or delete it to start"
          + " epochs above the clock's time", e);
    }
    if (highest < 0) {
      throw new IOException(file + " holds a negative epoch (" + highest + ")");
    }
    if (highest > Epochs.MAX) {
      throw new IOException(file + " holds " + highest + ", above " + Epochs.MAX + ", the most an epoch may be: restore"
          + " it from a backup");
    }
    EventLog.emit(LOG, LogEvent.EPOCH_LEDGER_OPENED, "file", file, "highest", highest, "first_start", false);
    return new FileEpochLedger(dir, highest);
  }

  @Override
  public synchronized long highest() {
    return highest;
  }

  /** Only this process writes the file: whatever it leads under, the epoch is its own. */
  @Override
  public synchronized void record(long epoch, long leadership) {
    write(epoch);
  }

  private synchronized void write(long epoch) {
    EpochLedger.checkAbove(epoch, highest);
    Path beside = dir.resolve(FILE + ".tmp");
    try {
      try (FileChannel out = FileChannel.open(beside, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer bytes = ByteBuffer.wrap((epoch + "\n").getBytes(StandardCharsets.US_ASCII));
        while (bytes.hasRemaining()) {
          out.write(bytes);
        }
        out.force(true);
      }
      Files.move(beside, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
        directory.force(true);
      }
    } catch (IOException e) {
      throw new EpochNotRecordedException("epoch " + epoch + " could not be recorded in " + file + ": " + e, e);
    }
    highest = epoch;
  }
}
