package io.tandem.configserver.journal;

import io.tandem.common.logging.EventLog;
import io.tandem.common.logging.LogEvent;
import io.tandem.config.v1.ChangeEvent;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Config Server's durable record of every accepted change: an append-only file of frames
 * {@code [length:int][crc32c:int][ChangeEvent bytes]}.
 *
 * <p>A change is acknowledged only after its frame has been written (and, with {@code fsync},
 * forced to disk), so it survives {@code kill -9}. A crash in the middle of a write leaves a
 * torn last frame: {@link #recover} detects it (short or failing its checksum), drops it with a
 * log line and truncates the file. A bad frame that is <em>not</em> the last one is corruption,
 * not a torn write, and recovery refuses to guess.
 */
public final class Journal implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
  private static final String FILE_NAME = "journal.log";
  private static final int HEADER = 8;
  /** No single change is anywhere near this; a larger length means a damaged header. */
  private static final int MAX_FRAME = 64 * 1024 * 1024;

  private final Path file;
  private FileChannel channel;
  private final boolean fsync;
  private long size;
  private long records;

  /** What {@link #recover} found. */
  public record Recovery(long records, long tornBytesDropped, long millis) {}

  private Journal(Path file, FileChannel channel, boolean fsync) throws IOException {
    this.file = file;
    this.channel = channel;
    this.fsync = fsync;
    this.size = channel.size();
  }

  /** Opens (creating if needed) the journal in {@code dataDir}. */
  public static Journal open(Path dataDir, boolean fsync) throws IOException {
    Files.createDirectories(dataDir);
    Path file = dataDir.resolve(FILE_NAME);
    DataFiles.deleteLeftTemporary(file);
    return new Journal(file, FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE), fsync);
  }

  /**
   * Replays every intact frame in order and truncates a torn last frame.
   *
   * @throws JournalCorruptedException if a damaged frame is followed by more data
   */
  public Recovery recover(Consumer<ChangeEvent> replay) throws IOException {
    long begin = System.nanoTime();
    long recovered = 0;
    long position = 0;
    long length = channel.size();
    ByteBuffer header = ByteBuffer.allocate(HEADER);
    while (position < length) {
      header.clear();
      int read = readFully(header, position);
      String problem = null;
      ChangeEvent event = null;
      long frameEnd = length;
      if (read < HEADER) {
        problem = "incomplete header";
      } else {
        header.flip();
        int payloadLength = header.getInt();
        int checksum = header.getInt();
        if (payloadLength <= 0 || payloadLength > MAX_FRAME) {
          problem = "implausible length " + payloadLength;
          frameEnd = position + HEADER;
        } else {
          frameEnd = position + HEADER + payloadLength;
          if (frameEnd > length) {
            problem = "frame of " + payloadLength + " bytes cut short";
            frameEnd = length;
          } else {
            ByteBuffer payload = ByteBuffer.allocate(payloadLength);
            readFully(payload, position + HEADER);
            payload.flip();
            if (crc(payload) != checksum) {
              problem = "checksum mismatch";
            } else {
              event = ChangeEvent.parseFrom(payload);
            }
          }
        }
      }
      if (problem != null) {
        if (frameEnd < length && !zeroesFrom(position, length)) {
          throw new JournalCorruptedException(file + ": damaged frame at offset " + position + " (" + problem
              + ") followed by " + (length - frameEnd) + " more bytes; refusing to guess");
        }
        // From here to the end is the torn tail: an incomplete last write.
        long dropped = length - position;
        EventLog.emit(LOG, LogEvent.JOURNAL_TORN_RECORD_DROPPED, "file", file, "offset", position,
            "bytes", dropped, "problem", problem);
        channel.truncate(position);
        channel.force(true);
        size = position;
        records = recovered;
        return finish(recovered, dropped, begin);
      }
      replay.accept(event);
      recovered++;
      position = frameEnd;
    }
    size = position;
    records = recovered;
    return finish(recovered, 0, begin);
  }

  private Recovery finish(long records, long dropped, long begin) {
    Recovery recovery = new Recovery(records, dropped, (System.nanoTime() - begin) / 1_000_000);
    EventLog.emit(LOG, LogEvent.JOURNAL_RECOVERED, "file", file, "records", records,
        "torn_bytes_dropped", dropped, "ms", recovery.millis());
    return recovery;
  }

  /**
   * Appends the events as one write. When this returns they are durable; when it throws, the
   * journal is as it was before the call.
   */
  public synchronized void append(List<ChangeEvent> events) throws IOException {
    int total = 0;
    for (ChangeEvent event : events) {
      total += HEADER + event.getSerializedSize();
    }
    ByteBuffer buffer = ByteBuffer.allocate(total);
    for (ChangeEvent event : events) {
      byte[] payload = event.toByteArray();
      buffer.putInt(payload.length);
      buffer.putInt(crc(ByteBuffer.wrap(payload)));
      buffer.put(payload);
    }
    buffer.flip();
    long before = size;
    try {
      long position = before;
      while (buffer.hasRemaining()) {
        position += channel.write(buffer, position);
      }
      if (fsync) {
        channel.force(false);
      }
      size = position;
      records += events.size();
    } catch (IOException e) {
      try {
        channel.truncate(before);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** Frames in the journal: those recovered plus those appended since. */
  public synchronized long records() {
    return records;
  }

  /** Where the next frame goes: a position {@link #dropBefore} can later cut at. */
  public synchronized long size() {
    return size;
  }

  /**
   * Drops the first {@code dropped} records, which end at byte {@code offset}, once a checkpoint
   * safely on disk holds them. The records after them are copied to a new file that is renamed
   * over the journal: a crash leaves the whole old journal (whose dropped records recovery then
   * skips) or the new one.
   */
  public synchronized void dropBefore(long offset, long dropped) throws IOException {
    if (offset > size || dropped > records) {
      throw new IllegalArgumentException("cannot drop " + dropped + " records up to byte " + offset + " of a journal of "
          + records + " records, " + size + " bytes");
    }
    FileChannel kept = DataFiles.createTemporary(file);
    try {
      for (long position = offset; position < size; ) {
        position += channel.transferTo(position, size - position, kept);
      }
      if (fsync) {
        kept.force(true);
      }
      DataFiles.replaceWithTemporary(file, fsync);
    } catch (IOException | RuntimeException e) {
      try {
        kept.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    // The copy's channel now is the journal (a rename keeps the file): appends go on through it
    // with no reopening that could fail after the rename and leave writes on the unlinked old file.
    FileChannel old = channel;
    channel = kept;
    size -= offset;
    records -= dropped;
    old.close();
  }

  @Override
  public synchronized void close() throws IOException {
    channel.close();
  }

  /** A crash after the file grew but before its data landed leaves zeroes: a torn tail too. */
  private boolean zeroesFrom(long position, long length) throws IOException {
    ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
    for (long p = position; p < length; ) {
      chunk.clear();
      int n = channel.read(chunk, p);
      if (n <= 0) {
        break;
      }
      for (int i = 0; i < n; i++) {
        if (chunk.get(i) != 0) {
          return false;
        }
      }
      p += n;
    }
    return true;
  }

  private int readFully(ByteBuffer buffer, long position) throws IOException {
    int total = 0;
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer, position + total);
      if (n < 0) {
        break;
      }
      total += n;
    }
    return total;
  }

  /** CRC32C of the buffer's remaining bytes (the buffer's position is left alone). */
  static int crc(ByteBuffer payload) {
    CRC32C crc = new CRC32C();
    crc.update(payload.duplicate());
    return (int) crc.getValue();
  }
}
