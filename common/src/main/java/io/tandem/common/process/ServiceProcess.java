package io.tandem.common.process;

import io.grpc.ManagedChannel;
import io.tandem.common.grpc.Channels;
import io.tandem.common.grpc.HealthProbe;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TransportSecurity;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * A Tandem service running as its own process from its runnable jar, logging to a file, whose
 * readiness is its {@code grpc.health.v1} status. {@code tandem up} starts the stack with it, and
 * tests start real processes with it.
 */
public final class ServiceProcess implements AutoCloseable {
  /**
   * The JVM flags a service process gets unless told otherwise ({@code tandem up}, the tests' processes;
   * the images' {@code JAVA_OPTS} say the same): a small heap and the serial collector, for four JVMs
   * sharing two cores (docs/running.md, *GC and heap*). The metaspace size is the class-metadata level at
   * which the JVM first collects: left at its 21 MB default, a Stat Server crosses it during its first
   * reload (it holds about 35 MB once it has reloaded) and the serial collector then runs a full
   * collection of the whole heap, two models included, in the middle of the reload (pauses of
   * 290-340 ms in the GC logs of S2, where that reload is dark time).
   */
  public static final List<String> DEFAULT_JVM_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC",
      "-XX:MetaspaceSize=64m");

  private static final Pattern GUICE_ERROR = Pattern.compile("\\d+\\) \\[Guice/");
  private static final Duration POLL = Duration.ofMillis(100);
  private static final Duration PROBE_DEADLINE = Duration.ofMillis(500);

  private final String name;
  private final Path jar;
  private final int port;
  private final List<String> jvmOptions;
  private final Map<String, String> environment;
  private final List<String> args;
  private final Path log;
  private final ServerIdentity identity;
  private final TransportSecurity security;
  private Process process;
  private ManagedChannel channel;
  /** The log's size when this process started: what it writes comes after (the log is appended to). */
  private long logStart;

  /**
   * @param name for messages and the log file's name
   * @param port the port the service's flags make it listen on (health is probed there)
   * @param jvmOptions JVM flags before {@code -jar} (heap, collector)
   * @param log the file its output is appended to
   * @param identity the application it runs as: the certificate its port must present
   * @param security how the health probe connects (the caller owns it)
   */
  public ServiceProcess(String name, Path jar, int port, List<String> jvmOptions, List<String> args, Path log,
      ServerIdentity identity, TransportSecurity security) {
    this(name, jar, port, jvmOptions, args, Map.of(), log, identity, security);
  }

  /** @param environment variables set for the process besides those it inherits */
  public ServiceProcess(String name, Path jar, int port, List<String> jvmOptions, List<String> args,
      Map<String, String> environment, Path log, ServerIdentity identity, TransportSecurity security) {
    this.environment = Map.copyOf(environment);
    this.identity = identity;
    this.security = security;
    this.name = name;
    this.jar = jar;
    this.port = port;
    this.jvmOptions = List.copyOf(jvmOptions);
    this.args = List.copyOf(args);
    this.log = log;
  }

  /** Starts the process (appending to its log); returns at once. */
  public ServiceProcess start() throws IOException {
    logStart = Files.exists(log) ? Files.size(log) : 0;
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(jvmOptions);
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(environment);
    process = builder
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .start();
    return this;
  }

  /**
   * Waits until the health check answers {@code SERVING}.
   *
   * @throws IllegalStateException when the process exits first (naming its exit code, the log's
   *     lines that say why and the end of its log) or is not serving within {@code timeout} (naming
   *     the last probe's answer)
   */
  public ServiceProcess awaitServing(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    HealthProbe.Result last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        List<String> log = thisRunsLog();
        List<String> why = failureLines(log);
        throw new IllegalStateException(name + " exited with code " + process.exitValue()
            + (why.isEmpty() ? "" : why.stream().map(line -> "\n  " + line.strip()).collect(Collectors.joining("", ":", "")))
            + "\nits log ends with:\n" + String.join("\n", tail(log, 20)));
      }
      last = health();
      if (last.serving()) {
        return this;
      }
      TimeUnit.NANOSECONDS.sleep(POLL.toNanos());
    }
    throw new IllegalStateException(name + " not SERVING after " + timeout.toSeconds() + " s (last: "
        + (last == null ? "-" : last.describe()) + ")");
  }

  /**
   * The lines of a failed process's log that say why, as its last lines (a stack trace's frames)
   * often do not: the first error it logged, what it threw (Guice's numbered message, which names
   * the failing part, when the injector could not be made; the launcher's {@code Error:}; a bad
   * flag's message, which picocli prints before the usage) and the root cause of the last exception.
   */
  static List<String> failureLines(List<String> log) {
    Optional<String> logged = first(log, line -> line.contains(" ERROR "));
    Optional<String> thrown = first(log, line -> GUICE_ERROR.matcher(line).lookingAt())
        .or(() -> first(log, line -> !line.startsWith("\t") && !line.startsWith("Caused by:")
            && (line.contains("Exception") || line.startsWith("Error:"))))
        .or(() -> IntStream.range(1, log.size()).filter(i -> log.get(i).startsWith("Usage:")).mapToObj(i -> log.get(i - 1))
            .filter(line -> !line.isBlank()).findFirst());
    Optional<String> rootCause = log.stream().filter(line -> line.startsWith("Caused by:")).reduce((a, b) -> b);
    return Stream.of(logged, thrown, rootCause).flatMap(Optional::stream).distinct().toList();
  }

  private static Optional<String> first(List<String> log, Predicate<String> test) {
    return log.stream().filter(test).findFirst();
  }

  /** One health check with a short deadline. */
  public HealthProbe.Result health() {
    return HealthProbe.check(channel(), "", PROBE_DEADLINE);
  }

  /** A channel to the service's port, opened on first use and closed with the process. */
  public synchronized ManagedChannel channel() {
    if (channel == null) {
      channel = Channels.open(HostPort.local(port), identity, security);
    }
    return channel;
  }

  public String name() {
    return name;
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process != null && process.isAlive();
  }

  /** The exit code, once the process has ended. */
  public int exitValue() {
    return process.exitValue();
  }

  /** Waits for the process to end by itself; its exit code, or empty if it is still running. */
  public java.util.OptionalInt awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
        ? java.util.OptionalInt.of(process.exitValue()) : java.util.OptionalInt.empty();
  }

  public Path log() {
    return log;
  }

  /** SIGKILL: the process gets no chance to clean up. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGSTOP: the process freezes (its connections stay open, nothing answers). */
  public void pause() throws IOException, InterruptedException {
    signal("-STOP");
  }

  /** SIGCONT after {@link #pause}. */
  public void resume() throws IOException, InterruptedException {
    signal("-CONT");
  }

  private void signal(String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", signal, String.valueOf(process.pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IllegalStateException("kill " + signal + " " + process.pid() + " failed");
    }
  }

  /** SIGTERM, then waits up to {@code grace}; killed if still running. True when it stopped by itself. */
  public boolean stop(Duration grace) throws InterruptedException {
    if (process == null || !process.isAlive()) {
      return true;
    }
    process.destroy();
    if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      return true;
    }
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
    return false;
  }

  /** What this process wrote to its log. */
  private List<String> thisRunsLog() {
    try {
      return logFrom(logStart).lines().toList();
    } catch (IOException e) {
      return List.of("(log unreadable: " + e + ")");
    }
  }

  public String logText() {
    try {
      return Files.exists(log) ? logFrom(0) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  private String logFrom(long offset) throws IOException {
    return readLog(log, offset);
  }

  /**
   * A process's log from byte {@code offset} on, bytes that are not UTF-8 replaced: a line cut by
   * a kill, or one being written as it is read, must not make the whole log unreadable (as
   * {@code Files.readString} would).
   */
  public static String readLog(Path log, long offset) throws IOException {
    try (java.io.InputStream in = Files.newInputStream(log)) {
      in.skipNBytes(Math.min(offset, Files.size(log)));
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Log lines containing {@code text}. */
  public List<String> logLines(String text) {
    return logText().lines().filter(line -> line.contains(text)).toList();
  }

  /** The last {@code lines} lines of the log. */
  public List<String> logTail(int lines) {
    return tail(logText().lines().toList(), lines);
  }

  private static List<String> tail(List<String> all, int lines) {
    return all.subList(Math.max(0, all.size() - lines), all.size());
  }

  /** Closes this handle's channel and leaves the process running (it outlives the caller). */
  public synchronized void detach() {
    Channels.close(channel, Duration.ofSeconds(1));
    channel = null;
  }

  /** Stops the process (20 s grace) and closes the channel. */
  @Override
  public void close() throws InterruptedException {
    stop(Duration.ofSeconds(20));
    detach();
  }
}
