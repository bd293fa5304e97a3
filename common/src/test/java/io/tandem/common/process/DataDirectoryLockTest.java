package io.tandem.common.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data directory's lock holds against other processes, and against other attempts in the same JVM. */
class DataDirectoryLockTest {
  private static final String SERVICE = "Config Server";
  @TempDir
  Path dir;

  /** Takes the lock of {@code args[0]} in a process of its own: exit 0 when it got it, 3 when refused. */
  public static final class OtherProcess {
    public static void main(String[] args) throws IOException {
      try (DataDirectoryLock lock = DataDirectoryLock.acquire(Path.of(args[0]), SERVICE)) {
        System.exit(0);
      } catch (IOException refused) {
        System.out.println(refused.getMessage());
        System.exit(3);
      }
    }
  }

  private record Attempt(int exitCode, String output) {}

  private Attempt fromAnotherProcess() throws Exception {
    return fromAnotherProcess(dir);
  }

  private static Attempt fromAnotherProcess(Path dir) throws Exception {
    Process process = new ProcessBuilder(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-cp", System.getProperty("java.class.path"), OtherProcess.class.getName(), dir.toString()))
        .redirectErrorStream(true).start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("the other process ended").isTrue();
    return new Attempt(process.exitValue(), output);
  }

  @Test
  void anotherProcessIsRefusedNamingTheHolder() throws Exception {
    try (DataDirectoryLock lock = DataDirectoryLock.acquire(dir, SERVICE)) {
      Attempt other = fromAnotherProcess();
      assertThat(other.exitCode()).as(other.output()).isEqualTo(3);
      assertThat(other.output()).contains("is in use by another Config Server (pid " + ProcessHandle.current().pid());
    }
    assertThat(fromAnotherProcess().exitCode()).as("released when closed").isZero();
  }

  @Test
  void aRefusedSecondAttemptInTheSameJvmKeepsTheFirstOnesLock() throws Exception {
    // Not even the test reads the lock file while it is held: closing any channel of it would release the lock.
    String holder = "(pid " + ProcessHandle.current().pid() + " on ";
    try (DataDirectoryLock first = DataDirectoryLock.acquire(dir, SERVICE)) {
      assertThatThrownBy(() -> DataDirectoryLock.acquire(dir, SERVICE)).isInstanceOf(IOException.class)
          .hasMessageContaining("is in use by another Config Server " + holder);
      assertThatThrownBy(() -> DataDirectoryLock.acquire(dir.resolve("..").resolve(dir.getFileName()), SERVICE))
          .as("the same directory by another path").hasMessageContaining("is in use by another Config Server " + holder);

      Attempt other = fromAnotherProcess();
      assertThat(other.exitCode()).as("another process after the refused attempts: " + other.output()).isEqualTo(3);
      assertThat(other.output()).contains("is in use by another Config Server " + holder);
    }
    assertThat(DataDirectoryLock.acquire(dir, SERVICE)).as("released when closed").satisfies(DataDirectoryLock::close);
  }

  @Test
  void theSameLockFileByASecondRealPathIsRefusedAndTheFirstLockKept() throws Exception {
    Path first = Files.createDirectory(dir.resolve("first"));
    Path second = Files.createDirectory(dir.resolve("second"));
    Path third = Files.createDirectory(dir.resolve("third"));
    String holder = "(pid " + ProcessHandle.current().pid() + " on ";
    try (DataDirectoryLock held = DataDirectoryLock.acquire(first, SERVICE)) {
      // The way a bind mount shows one directory at two real paths, without needing one.
      Files.createSymbolicLink(second.resolve("lock"), first.resolve("lock"));
      Files.createLink(third.resolve("lock"), first.resolve("lock"));
      Throwable bySymbolicLink = catchThrowable(() -> DataDirectoryLock.acquire(second, SERVICE).close());
      Throwable byHardLink = catchThrowable(() -> DataDirectoryLock.acquire(third, SERVICE).close());

      Attempt other = fromAnotherProcess(first);
      assertThat(other.exitCode()).as("another process after the attempts: " + other.output()).isEqualTo(3);
      assertThat(other.output()).contains("is in use by another Config Server " + holder);
      assertThat(bySymbolicLink).as("through a symbolic link").isInstanceOf(IOException.class)
          .hasMessageContaining("is in use by another Config Server " + holder);
      assertThat(byHardLink).as("through a hard link").isInstanceOf(IOException.class)
          .hasMessageContaining("is in use by another Config Server " + holder);
    }
    assertThat(DataDirectoryLock.acquire(second, SERVICE)).as("released when closed").satisfies(DataDirectoryLock::close);
  }

  @Test
  void closingTwiceLeavesALaterHoldersLockAlone() throws Exception {
    DataDirectoryLock earlier = DataDirectoryLock.acquire(dir, SERVICE);
    earlier.close();
    try (DataDirectoryLock later = DataDirectoryLock.acquire(dir, SERVICE)) {
      earlier.close();

      assertThatThrownBy(() -> DataDirectoryLock.acquire(dir, SERVICE)).as("the same JVM, after the second close")
          .hasMessageContaining("is in use by another Config Server (pid " + ProcessHandle.current().pid());
      Attempt other = fromAnotherProcess();
      assertThat(other.exitCode()).as("another process, after the second close: " + other.output()).isEqualTo(3);
    }
    assertThat(fromAnotherProcess().exitCode()).as("released when the later holder closed").isZero();
  }
}
