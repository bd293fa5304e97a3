package io.tandem.management.ledger;

import io.tandem.common.bootstrap.ManagedService;
import io.tandem.common.process.DataDirectoryLock;
import java.io.IOException;
import java.nio.file.Path;

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
   * The directory, locked by this process.
   *
   * @throws IOException naming the directory and its holder when another Management Layer has it
   */
  public synchronized Path lock() throws IOException {
    if (lock == null) {
      lock = DataDirectoryLock.acquire(dir, "Management Layer");
    }
    return dir;
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
