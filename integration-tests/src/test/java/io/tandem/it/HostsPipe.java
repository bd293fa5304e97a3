package io.tandem.it;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A name resolver that answers when this says so: a named pipe given to a JVM as its hosts file
 * ({@code -Djdk.net.hosts.file}), which then reads it for every name lookup, forward or reverse,
 * that its address caches do not answer. Each read is a lookup: counted, and answered (the file's
 * lines, {@code localhost} only) after {@link #delay}, as a DNS server that does not answer makes
 * a lookup wait for its time-out.
 */
final class HostsPipe implements AutoCloseable {
  private static final byte[] HOSTS = "127.0.0.1 localhost\n::1 localhost\n".getBytes(StandardCharsets.US_ASCII);

  private final Path pipe;
  private final AtomicInteger lookups = new AtomicInteger();
  private final Thread answering;
  private volatile Duration delay = Duration.ZERO;
  private volatile boolean closed;

  HostsPipe(Path pipe) throws IOException, InterruptedException {
    this.pipe = pipe;
    Process mkfifo = new ProcessBuilder("mkfifo", pipe.toString()).inheritIO().start();
    if (!mkfifo.waitFor(30, TimeUnit.SECONDS) || mkfifo.exitValue() != 0) {
      throw new IOException("mkfifo " + pipe + " failed");
    }
    answering = new Thread(this::answer, "hosts-pipe");
    answering.setDaemon(true);
    answering.start();
  }

  /** The JVM flag that makes a process resolve names through this pipe. */
  String jvmFlag() {
    return "-Djdk.net.hosts.file=" + pipe;
  }

  /** From now on, each lookup waits {@code wait} for its answer. */
  void delay(Duration wait) {
    delay = wait;
  }

  /** Lookups so far. */
  int lookups() {
    return lookups.get();
  }

  private void answer() {
    while (!closed) {
      // Opening the pipe for writing waits for a reader: a lookup has begun.
      try (OutputStream out = Files.newOutputStream(pipe)) {
        if (closed) {
          return;
        }
        lookups.incrementAndGet();
        Thread.sleep(delay.toMillis());
        out.write(HOSTS);
      } catch (IOException e) {
        // The reader went away before its answer (its own time-out): the next lookup gets a fresh open.
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  @Override
  public void close() throws InterruptedException, IOException {
    closed = true;
    answering.interrupt();
    // A read-write open never waits, and meets the answering thread's open if it is waiting there.
    try (RandomAccessFile unblock = new RandomAccessFile(pipe.toFile(), "rw")) {
      answering.join(TimeUnit.SECONDS.toMillis(10));
    }
  }
}
