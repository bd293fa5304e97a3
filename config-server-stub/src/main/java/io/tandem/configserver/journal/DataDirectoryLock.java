package io.tandem.configserver.journal;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * One Config Server per data directory: an exclusive lock on {@code DATA_DIR/lock}, which names its
 * holder (pid, host, since when), held while the server runs. A second server on the same
 * directory would overwrite the first one's journal; it refuses to start instead, naming the holder.
 * The operating system releases the lock when the process ends, also by {@code kill -9}.
 */
public final class DataDirectoryLock implements AutoCloseable {
  private static final String FILE_NAME = "lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirectoryLock(FileChannel channel, FileLock lock) {
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
    Path file = dataDir.resolve(FILE_NAME);
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by another server in this very JVM
    }
    if (lock == null) {
      String holder = Files.readString(file, StandardCharsets.UTF_8).strip();
      channel.close();
      throw new IOException("data directory " + dataDir.toAbsolutePath() + " is in use by another Config Server ("
          + (holder.isEmpty() ? "holder unknown" : holder) + "); stop that one, or give this one another --data-dir");
    }
    String holder = "pid " + ProcessHandle.current().pid() + " on " + hostName() + " since " + Instant.now();
    channel.truncate(0);
    channel.write(ByteBuffer.wrap(holder.getBytes(StandardCharsets.UTF_8)), 0);
    channel.force(true);
    return new DataDirectoryLock(channel, lock);
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
    lock.release();
    channel.close();
  }
}
