package io.tandem.common.process;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One process per data directory: an exclusive lock on {@code DATA_DIR/lock}, which names its
 * holder (pid, host, since when), held while the service runs. A second Config Server on the same
 * directory would overwrite the first one's journal, a second Management Layer its epoch ledger;
 * it refuses to start instead, naming the holder.
 * The operating system releases the lock when the process ends, also by {@code kill -9}.
 *
 * <p>The operating system's lock belongs to the process, and closing any channel of the file
 * releases it: a second attempt in the same JVM is therefore refused from {@link #HELD} without
 * opening the file at all. {@link #HELD} knows a lock file by its identity on disk (device and
 * inode), so the same file reached by another path — a bind mount, a link — is the same entry.
 */
public final class DataDirectoryLock implements AutoCloseable {
  private static final String FILE_NAME = "lock";
  /**
   * The lock files this JVM holds, by {@link BasicFileAttributes#fileKey()} (the real path where the
   * file system has none), and their holders.
   */
  private static final Map<Object, Holder> HELD = new ConcurrentHashMap<>();

  /** Who holds a lock file; compared by identity, so that only its own {@link #close} removes it. */
  private static final class Holder {
    final String description;

    Holder(String description) {
      this.description = description;
    }
  }

  private final Object key;
  private final Holder holder;
  private final FileChannel channel;
  private final FileLock lock;
  private final AtomicBoolean closed = new AtomicBoolean();

  private DataDirectoryLock(Object key, Holder holder, FileChannel channel, FileLock lock) {
    this.key = key;
    this.holder = holder;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock.
   *
   * @param service what holds it, for the message a second one gets ("Config Server")
   * @throws IOException naming the directory and its holder when another process has it
   */
  public static DataDirectoryLock acquire(Path dataDir, String service) throws IOException {
    Files.createDirectories(dataDir);
    Path file = dataDir.toRealPath().resolve(FILE_NAME);
    Object key = identity(file);
    Holder holder = new Holder("pid " + ProcessHandle.current().pid() + " on " + hostName() + " since " + Instant.now());
    Holder heldHere = HELD.putIfAbsent(key, holder);
    if (heldHere != null) {
      throw inUse(dataDir, service, heldHere.description);
    }
    try {
      return lock(dataDir, service, file, key, holder);
    } catch (IOException | RuntimeException e) {
      HELD.remove(key, holder);
      throw e;
    }
  }

  /**
   * The lock file's identity on disk, found without opening it: creating it opens no channel of
   * an existing file, and reading its attributes none at all.
   */
  private static Object identity(Path file) throws IOException {
    try {
      Files.createFile(file);
    } catch (FileAlreadyExistsException exists) {
      // the usual case: it stays from an earlier run, or another holder has it
    }
    Object fileKey = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    return fileKey != null ? fileKey : file.toRealPath();
  }

  private static DataDirectoryLock lock(Path dataDir, String service, Path file, Object key, Holder holder)
      throws IOException {
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      channel.close();
      throw inUse(dataDir, service, Files.readString(file, StandardCharsets.UTF_8).strip());
    }
    try {
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(holder.description.getBytes(StandardCharsets.UTF_8)), 0);
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    return new DataDirectoryLock(key, holder, channel, lock);
  }

  private static IOException inUse(Path dataDir, String service, String holder) {
    return new IOException("data directory " + dataDir.toAbsolutePath() + " is in use by another " + service + " ("
        + (holder.isEmpty() ? "holder unknown" : holder) + "); stop that one, or give this one another --data-dir");
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "an unknown host";
    }
  }

  /** Releases the lock; a second call does nothing. */
  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      lock.release();
      channel.close();
    } finally {
      HELD.remove(key, holder);
    }
  }
}
