package io.tandem.configserver.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * The local disk with faults put in where a real one fails: {@code fsync}, a rename, forcing the
 * directory after it, a write that stops halfway, a disk that fills up. A fault is armed by the
 * test and stays until it is cleared; everything else goes to the real file system.
 */
public final class FaultyDisk implements Disk {
  /** Where the disk fails. */
  public enum Fault {
    NONE,
    /** {@code FileChannel.force} fails. */
    FSYNC,
    /** Renaming a temporary file over its target fails (nothing is renamed). */
    RENAME,
    /** Forcing a directory fails (after a rename, say). */
    DIRECTORY_SYNC,
    /** A write stores half of its bytes, then fails. */
    WRITE_HALFWAY,
    /** A write stores half of its bytes, then fails as a full disk does. */
    NO_SPACE
  }

  private volatile Fault fault = Fault.NONE;
  private int spared;

  public void arm(Fault armed) {
    arm(armed, 0);
  }

  /** Arms {@code armed}, but lets the next {@code spare} operations it concerns succeed first. */
  public synchronized void arm(Fault armed, int spare) {
    spared = spare;
    fault = armed;
  }

  public void clear() {
    fault = Fault.NONE;
  }

  private synchronized void failIf(Fault where, String what) throws IOException {
    if (fault == where) {
      if (spared > 0) {
        spared--;
        return;
      }
      throw new IOException("injected: " + what + " failed");
    }
  }

  @Override
  public FileChannel open(Path file, OpenOption... options) throws IOException {
    return new FaultyChannel(LOCAL.open(file, options));
  }

  @Override
  public void replace(Path from, Path to) throws IOException {
    failIf(Fault.RENAME, "rename of " + from.getFileName());
    LOCAL.replace(from, to);
  }

  @Override
  public void syncDirectory(Path directory) throws IOException {
    failIf(Fault.DIRECTORY_SYNC, "fsync of directory " + directory);
    LOCAL.syncDirectory(directory);
  }

  @Override
  public void deleteIfExists(Path file) throws IOException {
    LOCAL.deleteIfExists(file);
  }

  @Override
  public long usableSpace(Path directory) {
    return fault == Fault.NO_SPACE ? 0 : LOCAL.usableSpace(directory);
  }

  /** A file channel whose writes and forces fail when the disk's fault says so. */
  private final class FaultyChannel extends FileChannel {
    private final FileChannel file;

    FaultyChannel(FileChannel file) {
      this.file = file;
    }

    /** Writes half of what is asked, then fails, when a write fault is armed; else writes it all. */
    private int write(ByteBuffer source, IoWrite writer) throws IOException {
      if (fault != Fault.WRITE_HALFWAY && fault != Fault.NO_SPACE) {
        return writer.write(source);
      }
      ByteBuffer half = source.duplicate();
      half.limit(half.position() + source.remaining() / 2);
      int written = writer.write(half);
      source.position(source.position() + written);
      throw new IOException(fault == Fault.NO_SPACE ? "No space left on device" : "injected: write failed halfway");
    }

    @Override
    public int write(ByteBuffer source) throws IOException {
      return write(source, file::write);
    }

    @Override
    public int write(ByteBuffer source, long position) throws IOException {
      return write(source, buffer -> file.write(buffer, position));
    }

    @Override
    public long write(ByteBuffer[] sources, int offset, int length) throws IOException {
      long total = 0;
      for (int i = offset; i < offset + length; i++) {
        total += write(sources[i]);
      }
      return total;
    }

    @Override
    public void force(boolean metaData) throws IOException {
      failIf(Fault.FSYNC, "fsync");
      file.force(metaData);
    }

    @Override
    public int read(ByteBuffer destination) throws IOException {
      return file.read(destination);
    }

    @Override
    public long read(ByteBuffer[] destinations, int offset, int length) throws IOException {
      return file.read(destinations, offset, length);
    }

    @Override
    public int read(ByteBuffer destination, long position) throws IOException {
      return file.read(destination, position);
    }

    @Override
    public long position() throws IOException {
      return file.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
      file.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return file.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      file.truncate(size);
      return this;
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
      // A faulty target is not a JDK channel: the copy goes through its write, faults and all.
      return file.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel source, long position, long count) throws IOException {
      return file.transferFrom(source, position, count);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
      return file.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
      return file.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
      return file.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
      file.close();
    }
  }

  @FunctionalInterface
  private interface IoWrite {
    int write(ByteBuffer buffer) throws IOException;
  }
}
