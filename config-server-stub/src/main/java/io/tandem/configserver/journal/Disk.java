package io.tandem.configserver.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The file operations the journal and its checkpoints make changes durable with. The real one is
 * {@link #LOCAL}; tests wrap it with one that fails where a real disk can (a full disk, a failing
 * {@code fsync}, a rename or a directory sync that does not happen).
 */
public interface Disk {
  /** Opens a file of the data directory. */
  FileChannel open(Path file, OpenOption... options) throws IOException;

  /** Renames {@code from} over {@code to} in one step. */
  void replace(Path from, Path to) throws IOException;

  /** Forces the directory's entries (a created or renamed file) to disk. */
  void syncDirectory(Path directory) throws IOException;

  void deleteIfExists(Path file) throws IOException;

  /** Bytes left for this process on the disk holding {@code directory} (for messages). */
  long usableSpace(Path directory);

  /** The local file system, as it is. */
  Disk LOCAL = new Disk() {
    @Override
    public FileChannel open(Path file, OpenOption... options) throws IOException {
      return FileChannel.open(file, options);
    }

    @Override
    public void replace(Path from, Path to) throws IOException {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void syncDirectory(Path directory) throws IOException {
      try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
        channel.force(true);
      }
    }

    @Override
    public void deleteIfExists(Path file) throws IOException {
      Files.deleteIfExists(file);
    }

    @Override
    public long usableSpace(Path directory) {
      try {
        return Files.getFileStore(directory).getUsableSpace();
      } catch (IOException e) {
        return -1;
      }
    }
  };
}
