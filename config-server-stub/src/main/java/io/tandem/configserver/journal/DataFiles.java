package io.tandem.configserver.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Replacing a file of the data directory all at once: a crash leaves the old file or the new. */
final class DataFiles {
  private DataFiles() {}

  /** The temporary file a replacement of {@code target} is written to. */
  static Path temporaryFor(Path target) {
    return target.resolveSibling(target.getFileName() + ".tmp");
  }

  /**
   * Opens {@code target}'s temporary file, empty, for reading and writing. The channel stays
   * valid across {@link #replaceWithTemporary}: it then reads and writes {@code target}.
   */
  static FileChannel createTemporary(Disk disk, Path target) throws IOException {
    return disk.open(temporaryFor(target), StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
  }

  /** Writes all of {@code content} at the channel's position. */
  static void writeFully(FileChannel channel, ByteBuffer content) throws IOException {
    while (content.hasRemaining()) {
      channel.write(content);
    }
  }

  /** Renames the (closed, and with {@code fsync} forced) temporary file over {@code target}. */
  static void replaceWithTemporary(Disk disk, Path target) throws IOException {
    disk.replace(temporaryFor(target), target);
  }

  /** Deletes a temporary file a crash or a failed write left behind: the file it would have replaced is still whole. */
  static void deleteTemporary(Disk disk, Path target) throws IOException {
    disk.deleteIfExists(temporaryFor(target));
  }
}
