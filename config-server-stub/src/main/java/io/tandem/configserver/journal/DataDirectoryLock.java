package io.tandem.configserver.journal;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One Config Server per data directory: an exclusive lock on {@code DATA_DIR/lock}, which names its
 * holder (pid, host, since when), held while the server runs. A second server on the same
 * directory would overwrite the first one's journal; it refuses to start instead, naming the holder.
 * The operating system releases the lock when the process ends, also by {@code kill -9}.
 *
 * <p>The operating system's lock belongs to the process, and closing any channel of the file
 * releases it: a second attempt in the same JVM is therefore refused from {@link #HELD} without
 * opening the file at all.
 */
public final class DataDirectoryLock implements AutoCloseable {
  private static final String FILE_NAME = "lock";
  /** The lock files this JVM holds (real paths), and the holder each names. */
  private static final Map<Path, String> HELD = new ConcurrentHashMap<>();

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;

  private DataDirectoryLock(Path file, FileChannel channel, FileLock lock) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock.
   *
   * @throws IOException naming the directory and its holder when another server has it
   */
  public static DataDirectoryLock acquire(Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    Path file = dataDir.toRealPath().resolve(FILE_NAME);
    String holder = "pid " + ProcessHandle.current().pid() + " on " + hostName() + " since " + Instant.now();
    String heldHere = HELD.putIfAbsent(file, holder);
    if (heldHere != null) {
      throw inUse(dataDir, heldHere);
    }
    try {
      return lock(dataDir, file, holder);
    } catch (IOException | RuntimeException e) {
      HELD.remove(file);
      throw e;
    }
  }

  private static DataDirectoryLock lock(Path dataDir, Path file, String holder) throws IOException {
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      channel.close();
      throw inUse(dataDir, Files.readString(file, StandardCharsets.UTF_8).strip());
    }
    channel.truncate(0);
    channel.write(ByteBuffer.wrap(holder.getBytes(StandardCharsets.UTF_8)), 0);
    channel.force(true);
    return new DataDirectoryLock(file, channel, lock);
  }

  private static IOException inUse(Path dataDir, String holder) {
    return new IOException("data directory " + dataDir.toAbsolutePath() + " is in use by another Config Server ("
        + (holder.isEmpty() ? "holder unknown" : holder) + "); stop that one, or give this one another --data-dir");
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "an unknown host";
    }
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
      channel.close();
    } finally {
      HELD.remove(file);
    }
  }
}
