package io.tandem.configserver.journal;

import io.tandem.configserver.journal.format.JournalCheckpoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The checkpoint file beside the journal: the whole store as of one event id
 * ({@link JournalCheckpoint}), as {@code [magic:int][length:int][crc32c:int][bytes]}.
 *
 * <p>A new checkpoint is written to a temporary file, forced to disk and renamed over the old
 * one, so a crash leaves the old checkpoint or the new one, never part of one. Only after the
 * rename may the journal drop the records it holds; a crash in between leaves journal records
 * the checkpoint already has, which recovery skips.
 */
public final class Checkpoint {
  private static final String FILE_NAME = "checkpoint.bin";
  private static final int MAGIC = 0x54434b31; // "TCK1"
  private static final int HEADER = 12;
  private static final String HOW_TO_RECOVER = "; refusing to guess: see config-server-stub/README.md (a damaged journal) for how to recover";

  private Checkpoint() {}

  /**
   * The checkpoint in {@code dataDir}, if there is one. A temporary file left by a crash while
   * writing is deleted: the checkpoint it would have replaced is still whole.
   *
   * @throws JournalCorruptedException if the checkpoint is damaged (the journal no longer holds
   *     what it replaced, so there is nothing to fall back on)
   */
  public static Optional<JournalCheckpoint> read(Path dataDir, Disk disk) throws IOException {
    Path file = dataDir.resolve(FILE_NAME);
    DataFiles.deleteTemporary(disk, file);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    byte[] content = Files.readAllBytes(file);
    ByteBuffer header = ByteBuffer.wrap(content);
    if (content.length < HEADER || header.getInt() != MAGIC) {
      throw new JournalCorruptedException(file + ": not a checkpoint file (bad header)" + HOW_TO_RECOVER);
    }
    int length = header.getInt();
    int checksum = header.getInt();
    if (length != content.length - HEADER) {
      throw new JournalCorruptedException(file + ": " + (content.length - HEADER) + " bytes of checkpoint, header says "
          + length + HOW_TO_RECOVER);
    }
    ByteBuffer payload = ByteBuffer.wrap(content, HEADER, length);
    if (Journal.crc(payload) != checksum) {
      throw new JournalCorruptedException(file + ": checksum mismatch" + HOW_TO_RECOVER);
    }
    return Optional.of(JournalCheckpoint.parseFrom(payload));
  }

  /**
   * Replaces the checkpoint in {@code dataDir}; returns its size in bytes. A failure before the
   * rename leaves the old checkpoint and no temporary file. If only forcing the directory fails
   * after the rename, the new checkpoint may or may not survive a power cut; either way the journal
   * still holds every change (the caller drops nothing from it then).
   */
  public static long write(Path dataDir, JournalCheckpoint checkpoint, boolean fsync, Disk disk) throws IOException {
    byte[] payload = checkpoint.toByteArray();
    ByteBuffer content = ByteBuffer.allocate(HEADER + payload.length);
    content.putInt(MAGIC).putInt(payload.length).putInt(Journal.crc(ByteBuffer.wrap(payload))).put(payload).flip();
    Path file = dataDir.resolve(FILE_NAME);
    try {
      try (FileChannel channel = DataFiles.createTemporary(disk, file)) {
        DataFiles.writeFully(channel, content);
        if (fsync) {
          channel.force(true);
        }
      }
      DataFiles.replaceWithTemporary(disk, file);
    } catch (IOException | RuntimeException e) {
      try {
        DataFiles.deleteTemporary(disk, file);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    if (fsync) {
      disk.syncDirectory(dataDir);
    }
    return (long) HEADER + payload.length;
  }
}
