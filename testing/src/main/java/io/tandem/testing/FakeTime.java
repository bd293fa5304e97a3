package io.tandem.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A process whose clock is off by a given amount: Debian's libfaketime preloaded into it (the
 * library {@code faketime} uses), so the JVM's wall clock ({@code System.currentTimeMillis},
 * {@code Instant.now}) reads that much off; its monotonic clock, which the JVM's timers run on,
 * is left alone.
 */
public final class FakeTime {
  public static final String PACKAGE = "faketime";
  private static final Path LIBRARIES = Path.of("/usr/lib");
  private static final String LIBRARY = "faketime/libfaketimeMT.so.1";

  private FakeTime() {}

  /** Skips the test (fails it with {@code CI} set) when libfaketime is not installed. */
  public static void requireLibrary() {
    if (library().isEmpty()) {
      MissingPart.stop("libfaketime is not installed: install Debian's " + PACKAGE + " (.ci/run does)");
    }
  }

  /** The environment that sets a process's wall clock {@code offset} off (negative: in the past). */
  public static Map<String, String> environment(Duration offset) {
    Path library = library().orElseThrow(() -> new IllegalStateException("libfaketime is not installed"));
    long seconds = offset.toSeconds();
    return Map.of("LD_PRELOAD", library.toString(), "FAKETIME", (seconds < 0 ? "" : "+") + seconds,
        "FAKETIME_DONT_FAKE_MONOTONIC", "1");
  }

  /**
   * The environment of a process whose wall clock can be stepped while it runs ({@link #step}):
   * it reads {@code offsetFile} again at most a second after it changed. Starts {@code +0}.
   */
  public static Map<String, String> steppable(Path offsetFile) {
    Path library = library().orElseThrow(() -> new IllegalStateException("libfaketime is not installed"));
    step(offsetFile, Duration.ZERO);
    return Map.of("LD_PRELOAD", library.toString(), "FAKETIME_TIMESTAMP_FILE", offsetFile.toString(),
        "FAKETIME_CACHE_DURATION", "1", "FAKETIME_DONT_FAKE_MONOTONIC", "1");
  }

  /** Steps the wall clock of the processes started with {@link #steppable}{@code (offsetFile)} to {@code offset} off. */
  public static void step(Path offsetFile, Duration offset) {
    long seconds = offset.toSeconds();
    try {
      Files.writeString(offsetFile, (seconds < 0 ? "" : "+") + seconds + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + offsetFile, e);
    }
  }

  /** The multithreaded libfaketime under /usr/lib/ARCH/, if installed. */
  static Optional<Path> library() {
    try (DirectoryStream<Path> arches = Files.newDirectoryStream(LIBRARIES)) {
      for (Path arch : arches) {
        Path candidate = arch.resolve(LIBRARY);
        if (Files.isRegularFile(candidate)) {
          return Optional.of(candidate);
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + LIBRARIES, e);
    }
  }
}
