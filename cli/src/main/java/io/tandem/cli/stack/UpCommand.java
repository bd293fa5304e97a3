package io.tandem.cli.stack;

import io.tandem.cli.Directories;
import io.tandem.common.process.ServiceProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem up}: the whole stack as local processes. */
@Command(name = "up", mixinStandardHelpOptions = true,
    description = {"Start the Config Server, the Management Layer and the Stat Server pair StatServer_A/StatServer_B as",
        "separate processes with the sample configuration. Logs and pid files go to .tandem/ in the working directory.",
        "Returns once every process is SERVING."})
public final class UpCommand implements Callable<Integer> {
  /** The JVM flags of each process unless TANDEM_JAVA_OPTS says otherwise. */
  static final String DEFAULT_JAVA_OPTS = "-Xmx256m -XX:+UseSerialGC";

  @Option(names = "--config-port", defaultValue = "2020", description = "Config Server port (default ${DEFAULT-VALUE}).")
  int configPort;

  @Option(names = "--management-port", defaultValue = "2030", description = "Management Layer port (default ${DEFAULT-VALUE}).")
  int managementPort;

  @Option(names = "--stat-a-port", defaultValue = "2040", description = "StatServer_A client port (default ${DEFAULT-VALUE}).")
  int statAPort;

  @Option(names = "--stat-b-port", defaultValue = "2041", description = "StatServer_B client port (default ${DEFAULT-VALUE}).")
  int statBPort;

  @Option(names = "--fresh", description = {"Delete the Config Server's journal first: start again from the sample configuration.",
      "The journal keeps the configuration (ports included) from one `up` to the next."})
  boolean fresh;

  @Option(names = "--timeout-s", defaultValue = "60", description = "How long to wait for each process to be SERVING (default ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Override
  public Integer call() throws IOException, InterruptedException {
    StackLayout layout = StackLayout.fromEnvironment();
    List<String> running = new Stack(layout).runningMembers();
    if (!running.isEmpty()) {
      System.err.println("tandem: the stack is already running (" + String.join(", ", running) + "); run tandem down first");
      return 1;
    }
    Files.createDirectories(layout.stateDir());
    Path dataDir = layout.stateDir().resolve("config-data");
    if (fresh) {
      Directories.deleteRecursively(dataDir);
    }
    Path sample = layout.stateDir().resolve("sample-contact-center.yaml");
    Files.writeString(sample, SampleConfiguration.render(Map.of("confserv", configPort, "MgmtLayer", managementPort,
        "StatServer_A", statAPort, "StatServer_B", statBPort)));
    String config = "localhost:" + configPort;
    String management = "localhost:" + managementPort;
    List<List<StackMember>> waves = List.of(
        List.of(new StackMember("config-server", "config-server-stub", configPort,
            List.of("--port", String.valueOf(configPort), "--data-dir", dataDir.toString(),
                "--bootstrap", sample.toString()))),
        List.of(new StackMember("management-layer", "management-layer", managementPort,
            List.of("--port", String.valueOf(managementPort), "--config-server", config))),
        List.of(
            new StackMember("StatServer_A", "stat-server", statAPort, List.of("--app", "StatServer_A",
                "--port", String.valueOf(statAPort), "--config-server", config, "--management", management)),
            new StackMember("StatServer_B", "stat-server", statBPort, List.of("--app", "StatServer_B",
                "--port", String.valueOf(statBPort), "--config-server", config, "--management", management))));

    List<StackMember> started = new ArrayList<>();
    List<ServiceProcess> processes = new ArrayList<>();
    for (List<StackMember> wave : waves) {
      List<ServiceProcess> waveProcesses = new ArrayList<>();
      for (StackMember member : wave) {
        ServiceProcess process = launch(layout, member);
        started.add(member);
        processes.add(process);
        waveProcesses.add(process);
      }
      for (ServiceProcess process : waveProcesses) {
        try {
          process.awaitServing(Duration.ofSeconds(timeoutSeconds));
        } catch (IllegalStateException failure) {
          System.err.println("tandem: " + process.name() + " did not start: " + failure.getMessage());
          System.err.println("--- last lines of " + process.log());
          process.logTail(20).forEach(System.err::println);
          processes.forEach(ServiceProcess::detach);
          new Stack(layout).stopAll(Duration.ofSeconds(10), line -> { });
          return 1;
        }
      }
    }
    processes.forEach(ServiceProcess::detach);
    System.out.printf("%-17s %-16s %-8s %s%n", "SERVICE", "LISTENS ON", "PID", "LOG");
    for (int i = 0; i < started.size(); i++) {
      StackMember member = started.get(i);
      System.out.printf("%-17s %-16s %-8d %s%n", member.name(), "localhost:" + member.port(),
          processes.get(i).pid(), Path.of("").toAbsolutePath().relativize(layout.log(member.name())));
    }
    System.out.println("Stack is up. Stop it with: bin/tandem down");
    return 0;
  }

  private static ServiceProcess launch(StackLayout layout, StackMember member) throws IOException {
    String opts = System.getenv().getOrDefault("TANDEM_JAVA_OPTS", DEFAULT_JAVA_OPTS);
    List<String> jvmOptions = Arrays.stream(opts.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
    ServiceProcess process = new ServiceProcess(member.name(), layout.jar(member.module()), member.port(), jvmOptions,
        member.args(), layout.log(member.name())).start();
    Files.writeString(layout.pidFile(member.name()), process.pid() + System.lineSeparator());
    return process;
  }
}
