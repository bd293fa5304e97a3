package io.tandem.it;

import io.tandem.common.process.FreePorts;
import io.tandem.testing.MiniStack;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs {@code tandem} (the CLI's runnable jar) as its own process, as an operator would. */
final class Cli {
  record Result(int exitCode, String output) {}

  private Cli() {}

  /**
   * The arguments of {@code tandem up --fresh} with every port given, the metrics ports free ones:
   * scenarios run side by side, and the defaults (2020..., 9020...) would be one stack's only. Each
   * process gets the patience the scenarios give one they start ({@link MiniStack#SERVING_TIMEOUT}),
   * not the operator's default of 60 s: on a machine as busy as the suite makes it, a service's JVM
   * has taken 30 s to reach its first line of log.
   */
  static String[] upOnPorts(int config, int management, int statA, int statB) {
    return new String[] {"up", "--fresh", "--timeout-s", "" + MiniStack.SERVING_TIMEOUT.toSeconds(),
        "--config-port", "" + config, "--management-port", "" + management,
        "--stat-a-port", "" + statA, "--stat-b-port", "" + statB,
        "--config-metrics-port", "" + FreePorts.next(), "--management-metrics-port", "" + FreePorts.next(),
        "--stat-a-metrics-port", "" + FreePorts.next(), "--stat-b-metrics-port", "" + FreePorts.next()};
  }

  /** Where {@link #up} started the Config Server and the Management Layer. */
  record Stack(String configAddress, String managementAddress) {}

  /** {@code tandem up --fresh} in {@code workDir} on free ports; fails with its output when it does not start. */
  static Stack up(Path workDir) throws IOException, InterruptedException {
    int config = FreePorts.next();
    int management = FreePorts.next();
    Result up = run(workDir, upOnPorts(config, management, FreePorts.next(), FreePorts.next()));
    if (up.exitCode() != 0) {
      throw new AssertionError("tandem up failed: " + up.output());
    }
    return new Stack("localhost:" + config, "localhost:" + management);
  }

  static Result run(Path workDir, String... args) throws IOException, InterruptedException {
    return run(workDir, Map.of(), args);
  }

  /** As {@link #run(Path, String...)}, with {@code environment} added to this JVM's ({@code TANDEM_TLS_DIR}). */
  static Result run(Path workDir, Map<String, String> environment, String... args) throws IOException, InterruptedException {
    return run(ServiceJvm.commandOptions(), workDir, environment, args);
  }

  /**
   * As {@link #run(Path, Map, String...)}, the command's JVM started with {@code jvmOptions}. The
   * processes {@code tandem up} starts get the scenarios' service flags ({@code TANDEM_JAVA_OPTS})
   * unless {@code environment} says otherwise.
   */
  static Result run(List<String> jvmOptions, Path workDir, Map<String, String> environment, String... args)
      throws IOException, InterruptedException {
    Process process = builder(jvmOptions, workDir, environment, args).start();
    process.getOutputStream().close();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(3, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new IllegalStateException("tandem " + String.join(" ", args) + " did not finish");
    }
    return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
  }

  /** Starts {@code tandem ARGS} writing what it prints to {@code output}, for a command that runs on (a follow). */
  static Process start(Path workDir, Path output, String... args) throws IOException {
    return builder(ServiceJvm.commandOptions(), workDir, Map.of(), args).redirectOutput(output.toFile()).start();
  }

  private static ProcessBuilder builder(List<String> jvmOptions, Path workDir, Map<String, String> environment,
      String... args) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(jvmOptions);
    command.addAll(List.of("-Dtandem.home=" + Jars.home(), "-jar", Jars.cli().toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
    builder.environment().put("TANDEM_JAVA_OPTS", String.join(" ", ServiceJvm.serviceFlags()));
    builder.environment().putAll(environment);
    return builder;
  }
}
