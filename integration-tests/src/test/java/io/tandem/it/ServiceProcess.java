package io.tandem.it;

import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.tandem.common.grpc.Channels;
import io.tandem.common.grpc.HealthProbe;
import io.tandem.common.grpc.HostPort;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Tandem service running as its own process from its runnable jar, on a port of the test's
 * choosing, logging to a file the test can read.
 */
final class ServiceProcess implements AutoCloseable {
  private final String name;
  private final Path jar;
  private final List<String> args;
  private final int port;
  private final Path log;
  private String heap = "-Xmx256m";
  private Process process;
  private ManagedChannel channel;

  ServiceProcess(String name, Path jar, int port, Path logDir, List<String> args) {
    this.name = name;
    this.jar = jar;
    this.port = port;
    this.args = List.copyOf(args);
    this.log = logDir.resolve(name + ".log");
  }

  /** JVM heap flag, e.g. "-Xmx512m" (default -Xmx256m). */
  ServiceProcess heap(String flag) {
    this.heap = flag;
    return this;
  }

  /** Starts the process (appending to its log). */
  ServiceProcess start() throws IOException {
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        heap, "-XX:+UseSerialGC", "-jar", jar.toString()));
    command.addAll(args);
    process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .start();
    return this;
  }

  /** Starts and waits until its health check answers SERVING. */
  ServiceProcess startServing() throws IOException {
    start();
    awaitServing();
    return this;
  }

  void awaitServing() {
    await("SERVING of " + name).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> {
          if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with " + process.exitValue() + "; log:\n" + logText());
          }
          return health().serving();
        });
  }

  HealthProbe.Result health() {
    return HealthProbe.check(channel(), "", Duration.ofMillis(500));
  }

  synchronized ManagedChannel channel() {
    if (channel == null) {
      channel = Channels.open(HostPort.local(port));
    }
    return channel;
  }

  int port() {
    return port;
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process != null && process.isAlive();
  }

  /** SIGKILL: the process gets no chance to clean up. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGSTOP: the process freezes (its connections stay open, nothing answers). */
  void pause() throws IOException, InterruptedException {
    signal("-STOP");
  }

  /** SIGCONT after {@link #pause}. */
  void resume() throws IOException, InterruptedException {
    signal("-CONT");
  }

  private void signal(String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", signal, String.valueOf(process.pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IllegalStateException("kill " + signal + " " + process.pid() + " failed");
    }
  }

  /** SIGTERM and wait. */
  void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  String logText() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** Log lines containing {@code text}. */
  List<String> logLines(String text) {
    return logText().lines().filter(line -> line.contains(text)).toList();
  }

  @Override
  public void close() throws InterruptedException {
    stop();
    if (channel != null) {
      Channels.close(channel, Duration.ofSeconds(1));
      channel = null;
    }
  }
}
