package io.tandem.management.ledger;

import io.tandem.common.bootstrap.ManagedService;
import io.tandem.common.process.DataDirectoryLock;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The single Management Layer's {@code --data-dir}, locked for as long as it runs: a second one
 * started on the same directory would read the same highest epoch and issue the same epochs as the
 * first. It refuses to start instead, naming the holder. Among several over etcd the directory
 * holds nothing and is not locked.
 */
public final class LedgerDirectory implements ManagedService {
  private final Path dir;
  private DataDirectoryLock lock;

  public LedgerDirectory(Path dir) {
    this.dir = dir;
  }

  /**
   * Locks the directory and opens the ledger in it; unlocks it again when the ledger cannot be
   * opened, as no part runs yet to release it.
   *
   * @throws IOException naming the directory and its holder when another Management Layer has it,
   *     or the ledger's file when it cannot be read
   */
  public synchronized FileEpochLedger openLedger(Clock clock) throws IOException {
    lock = DataDirectoryLock.acquire(dir, "Management Layer");
    try {
      return FileEpochLedger.open(dir, clock);
    } catch (IOException | RuntimeException e) {
      try {
        stop();
      } catch (IOException unlock) {
        e.addSuppressed(unlock);
      }
      throw e;
    }
  }

  @Override
  public void start() {
    // Locked when the ledger is opened, before any part starts.
  }

  @Override
  public synchronized void stop() throws IOException {
    if (lock != null) {
      lock.close();
      lock = null;
    }
  }

  @Override
  public String name() {
    return "data directory";
  }
}
