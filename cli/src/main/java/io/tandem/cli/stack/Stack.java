package io.tandem.cli.stack;

import io.tandem.cli.home.StackAddresses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** The running local stack, as its pid files describe it. */
final class Stack {
  private final StackLayout layout;

  Stack(StackLayout layout) {
    this.layout = layout;
  }

  /** Names of members whose pid file points at a live Tandem process. */
  List<String> runningMembers() {
    List<String> names = new ArrayList<>();
    for (Path pidFile : layout.pidFiles()) {
      if (process(pidFile).isPresent()) {
        names.add(memberName(pidFile));
      }
    }
    return names;
  }

  /**
   * SIGTERM to every member, then waits up to {@code grace} in all; what is still alive then is
   * killed. Pid files are removed. Returns how many processes were stopped.
   */
  /** Stops {@code processes} together, each given {@code grace} from now before it is killed. */
  private static void stop(Map<String, ProcessHandle> processes, Duration grace, Consumer<String> report) {
    long begin = System.nanoTime();
    processes.values().forEach(ProcessHandle::destroy);
    long deadline = begin + grace.toNanos();
    for (Map.Entry<String, ProcessHandle> entry : processes.entrySet()) {
      ProcessHandle handle = entry.getValue();
      long pid = handle.pid();
      try {
        long remaining = Math.max(0, deadline - System.nanoTime());
        handle.onExit().get(remaining, java.util.concurrent.TimeUnit.NANOSECONDS);
        report.accept("stopped " + entry.getKey() + " (pid " + pid + ") after "
            + (System.nanoTime() - begin) / 1_000_000 + " ms");
      } catch (java.util.concurrent.TimeoutException e) {
        handle.destroyForcibly();
        report.accept("killed " + entry.getKey() + " (pid " + pid + "): still running after " + grace.toSeconds() + " s");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        handle.destroyForcibly();
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  int stopAll(Duration grace, Consumer<String> report) {
    Map<String, ProcessHandle> live = new LinkedHashMap<>();
    for (Path pidFile : layout.pidFiles()) {
      Optional<ProcessHandle> handle = process(pidFile);
      if (handle.isPresent()) {
        live.put(memberName(pidFile), handle.get());
      } else {
        report.accept(memberName(pidFile) + " was not running");
      }
    }
    // The services first, all at once, while etcd still answers them (a leading Management Layer
    // hands its lease back); then the etcd members one at a time, each with its peers still up to
    // take the leadership over, which is how etcd stops quickly.
    Map<String, ProcessHandle> services = new LinkedHashMap<>(live);
    services.keySet().removeIf(name -> name.startsWith("etcd-"));
    stop(services, grace, report);
    for (Map.Entry<String, ProcessHandle> member : live.entrySet()) {
      if (member.getKey().startsWith("etcd-")) {
        stop(Map.of(member.getKey(), member.getValue()), grace, report);
      }
    }
    try {
      // What the stopped stack listened on no longer means anything: commands fall back to their defaults.
      Files.deleteIfExists(layout.stateDir().resolve(StackAddresses.FILE));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (Path pidFile : layout.pidFiles()) {
      try {
        Files.deleteIfExists(pidFile);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return live.size();
  }

  /** The live process a pid file names, if it is still a Tandem process (pids get reused). */
  private static Optional<ProcessHandle> process(Path pidFile) {
    long pid;
    try {
      pid = Long.parseLong(Files.readString(pidFile).trim());
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
    return ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .filter(h -> h.info().commandLine().map(c -> c.contains("tandem-")).orElse(true));
  }

  private static String memberName(Path pidFile) {
    String file = pidFile.getFileName().toString();
    return file.substring(0, file.length() - ".pid".length());
  }
}
