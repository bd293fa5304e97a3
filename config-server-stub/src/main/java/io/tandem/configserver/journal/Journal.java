package io.tandem.configserver.journal;

import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.configserver.journal.format.JournalRecord;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Config Server's durable record of every accepted change: a file that starts with
 * {@link #MAGIC}, then one frame per request, {@code [length:int][crc32c:int][JournalRecord bytes]},
 * each holding every change the request made.
 *
 * <p>A change is acknowledged only after its frame has been written (and, with {@code fsync},
 * forced to disk), so it survives {@code kill -9}. A crash in the middle of a write leaves a
 * torn last frame: {@link #recover} detects it (short or failing its checksum), drops it with a
 * log line and truncates the file — the request it held was never acknowledged, and none of it
 * is replayed. A bad frame that is <em>not</em> the last one is corruption, not a torn write, and
 * recovery refuses to guess.
 *
 * <p>When a file is created, and after the journal is replaced by a shorter copy, the directory
 * is forced too, so the file itself survives a power cut. If that fails after the copy took the
 * journal's name, the copy is used all the same and every later append first tries the directory
 * again: until it succeeds, nothing more is acknowledged.
 */
public final class Journal implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
  private static final String FILE_NAME = "journal.log";
  /** Format 2: one frame per request. A journal that does not start with it is not read. */
  static final byte[] MAGIC = "TANDEMJ2".getBytes(StandardCharsets.US_ASCII);
  /** Bytes of an empty journal: the magic alone. */
  public static final int EMPTY_BYTES = 8;
  private static final int HEADER = 8;
  /** No request is anywhere near this; a larger length means a damaged header. */
  private static final int MAX_FRAME = 1 << 30;

  private final Path dataDir;
  private final Path file;
  private final Disk disk;
  private final boolean fsync;
  /** Told how long each append's fsync took (ns). */
  private final LongConsumer forced;
  private FileChannel channel;
  private long size;
  private long frames;
  private long events;
  private boolean directorySyncPending;

  /** What {@link #recover} found. */
  public record Recovery(long frames, long events, long tornBytesDropped, long millis) {}

  private Journal(Path dataDir, Path file, Disk disk, FileChannel channel, boolean fsync, LongConsumer forced)
      throws IOException {
    this.forced = forced;
    this.dataDir = dataDir;
    this.file = file;
    this.disk = disk;
    this.channel = channel;
    this.fsync = fsync;
    this.size = channel.size();
  }

  /** Opens (creating if needed) the journal in {@code dataDir}. */
  public static Journal open(Path dataDir, boolean fsync, Disk disk) throws IOException {
    return open(dataDir, fsync, disk, nanos -> { });
  }

  /** As {@link #open(Path, boolean, Disk)}; {@code forced} is told how long each append's fsync took (ns). */
  public static Journal open(Path dataDir, boolean fsync, Disk disk, LongConsumer forced) throws IOException {
    Files.createDirectories(dataDir);
    Path file = dataDir.resolve(FILE_NAME);
    DataFiles.deleteTemporary(disk, file);
    boolean fresh = !Files.exists(file) || Files.size(file) == 0;
    FileChannel channel = disk.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      if (fresh) {
        channel.truncate(0);
        DataFiles.writeFully(channel, ByteBuffer.wrap(MAGIC));
        if (fsync) {
          channel.force(true);
          disk.syncDirectory(dataDir);
        }
      } else {
        checkMagic(channel, file);
      }
      return new Journal(dataDir, file, disk, channel, fsync, forced);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private static void checkMagic(FileChannel channel, Path file) throws IOException {
    ByteBuffer start = ByteBuffer.allocate(MAGIC.length);
    channel.read(start, 0);
    if (start.position() < MAGIC.length || !Arrays.equals(start.array(), MAGIC)) {
      throw new JournalCorruptedException(file + ": does not start with " + new String(MAGIC, StandardCharsets.US_ASCII)
          + ": not a journal of this Config Server's format (format 2, one frame per request). Start with an empty"
          + " --data-dir and apply the configuration again, or restore a data directory written by this version");
    }
  }

  /**
   * Replays every intact frame in order, a request at a time, and truncates a torn last frame.
   *
   * @throws JournalCorruptedException if a damaged frame is followed by more data
   */
  public Recovery recover(Consumer<List<ChangeEvent>> replay) throws IOException {
    long begin = System.nanoTime();
    long recoveredFrames = 0;
    long recoveredEvents = 0;
    long position = MAGIC.length;
    long length = channel.size();
    ByteBuffer header = ByteBuffer.allocate(HEADER);
    while (position < length) {
      header.clear();
      int read = readFully(header, position);
      String problem = null;
      JournalRecord record = null;
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
              record = JournalRecord.parseFrom(payload);
            }
          }
        }
      }
      if (problem != null) {
        if (frameEnd < length && !zeroesFrom(position, length)) {
          throw new JournalCorruptedException(file + ": frame " + (recoveredFrames + 1) + " at offset " + position
              + " is damaged (" + problem + ") and followed by " + (length - frameEnd) + " more bytes; the "
              + recoveredFrames + " frames before it (" + recoveredEvents + " changes) are intact. Refusing to"
              + " guess: see config-server-stub/README.md (a damaged journal) for how to recover");
        }
        // From here to the end is the torn tail: an incomplete last write, never acknowledged.
        long dropped = length - position;
        EventLog.emit(LOG, LogEvent.JOURNAL_TORN_RECORD_DROPPED, "file", file, "offset", position,
            "bytes", dropped, "problem", problem);
        channel.truncate(position);
        channel.force(true);
        return finish(position, recoveredFrames, recoveredEvents, dropped, begin);
      }
      replay.accept(record.getEventsList());
      recoveredFrames++;
      recoveredEvents += record.getEventsCount();
      position = frameEnd;
    }
    return finish(position, recoveredFrames, recoveredEvents, 0, begin);
  }

  private Recovery finish(long end, long recoveredFrames, long recoveredEvents, long dropped, long begin) {
    size = end;
    frames = recoveredFrames;
    events = recoveredEvents;
    Recovery recovery = new Recovery(recoveredFrames, recoveredEvents, dropped, (System.nanoTime() - begin) / 1_000_000);
    EventLog.emit(LOG, LogEvent.JOURNAL_RECOVERED, "file", file, "frames", recoveredFrames, "changes", recoveredEvents,
        "torn_bytes_dropped", dropped, "ms", recovery.millis());
    return recovery;
  }

  /**
   * Appends one request's changes as one frame. When this returns they are durable; when it
   * throws, the journal is as it was before the call (and nothing of the request is in it).
   */
  public synchronized void append(List<ChangeEvent> requestEvents) throws IOException {
    if (directorySyncPending) {
      disk.syncDirectory(dataDir);
      directorySyncPending = false;
    }
    byte[] payload = JournalRecord.newBuilder().addAllEvents(requestEvents).build().toByteArray();
    ByteBuffer buffer = ByteBuffer.allocate(HEADER + payload.length);
    buffer.putInt(payload.length).putInt(crc(ByteBuffer.wrap(payload))).put(payload).flip();
    long before = size;
    try {
      long position = before;
      while (buffer.hasRemaining()) {
        position += channel.write(buffer, position);
      }
      if (fsync) {
        long begin = System.nanoTime();
        channel.force(false);
        forced.accept(System.nanoTime() - begin);
      }
      size = position;
      frames++;
      events += requestEvents.size();
    } catch (IOException e) {
      try {
        channel.truncate(before);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** Changes in the journal: those recovered plus those appended since. */
  public synchronized long events() {
    return events;
  }

  /** Frames (requests) in the journal. */
  public synchronized long frames() {
    return frames;
  }

  /** Where the next frame goes: a position {@link #dropBefore} can later cut at. */
  public synchronized long size() {
    return size;
  }

  /**
   * Drops the first {@code droppedFrames} frames ({@code droppedEvents} changes), which end at byte
   * {@code offset}, once a checkpoint safely on disk holds them. The frames after them are copied
   * to a new file that is renamed over the journal: a crash leaves the whole old journal (whose
   * dropped frames recovery then skips) or the new one. A failure before the rename leaves the old
   * journal in use and no temporary file; after it, the copy is the journal.
   *
   * @throws IOException if the copy failed (nothing changed) or the directory could not be forced
   *     after the rename (the copy is in use; appends are refused until the directory is forced)
   */
  public synchronized void dropBefore(long offset, long droppedFrames, long droppedEvents) throws IOException {
    if (offset < MAGIC.length || offset > size || droppedFrames > frames || droppedEvents > events) {
      throw new IllegalArgumentException("cannot drop " + droppedFrames + " frames up to byte " + offset
          + " of a journal of " + frames + " frames, " + size + " bytes");
    }
    FileChannel kept = DataFiles.createTemporary(disk, file);
    try {
      DataFiles.writeFully(kept, ByteBuffer.wrap(MAGIC));
      for (long position = offset; position < size; ) {
        position += channel.transferTo(position, size - position, kept);
      }
      if (fsync) {
        kept.force(true);
      }
      DataFiles.replaceWithTemporary(disk, file);
    } catch (IOException | RuntimeException e) {
      try {
        kept.close();
        DataFiles.deleteTemporary(disk, file);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    // The copy's channel now is the journal (a rename keeps the file): appends go on through it,
    // with no reopening that could fail after the rename and leave writes on the unlinked old file.
    FileChannel old = channel;
    channel = kept;
    size = MAGIC.length + (size - offset);
    frames -= droppedFrames;
    events -= droppedEvents;
    old.close();
    if (fsync) {
      try {
        disk.syncDirectory(dataDir);
      } catch (IOException e) {
        directorySyncPending = true;
        throw e;
      }
    }
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
