package io.tandem.cli.stack;

import io.tandem.cli.config.SampleConfiguration;
import io.tandem.cli.home.Directories;
import io.tandem.cli.home.StackAddresses;
import io.tandem.cli.pki.PkiCommand;
import io.tandem.common.security.AccessRule;
import io.tandem.common.security.TlsFiles;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TransportSecurity;
import io.tandem.pki.PkiDirectory;
import io.tandem.common.process.ServiceProcess;
import io.tandem.protocol.link.HostPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem up}: the whole stack as local processes. */
@Command(name = "up", mixinStandardHelpOptions = true,
    description = {"Start the Config Server, the Management Layer and the Stat Server pair StatServer_A/StatServer_B as",
        "separate processes with the sample configuration. Logs and pid files go to .tandem/ in the working directory.",
        "Every link runs mutual TLS with the certificates in .tandem/pki/, created on first use (tandem pki init);",
        "tandem commands run here use .tandem/pki/operator.* by default. Returns once every process is SERVING."})
public final class UpCommand implements Callable<Integer> {
  /** The JVM flags of each process unless TANDEM_JAVA_OPTS says otherwise. */
  static final String DEFAULT_JAVA_OPTS = String.join(" ", ServiceProcess.DEFAULT_JVM_OPTIONS);

  @Option(names = "--config-port", defaultValue = "2020", description = "Config Server port (default ${DEFAULT-VALUE}).")
  int configPort;

  @Option(names = "--management-port", defaultValue = "2030", description = "Management Layer port (default ${DEFAULT-VALUE}).")
  int managementPort;

  @Option(names = "--stat-a-port", defaultValue = "2040", description = "StatServer_A client port (default ${DEFAULT-VALUE}).")
  int statAPort;

  @Option(names = "--stat-b-port", defaultValue = "2041", description = "StatServer_B client port (default ${DEFAULT-VALUE}).")
  int statBPort;

  @Option(names = "--config-metrics-port", defaultValue = "9020",
      description = "Config Server metrics port, Prometheus text at /metrics (default ${DEFAULT-VALUE}; 0: none).")
  int configMetricsPort;

  @Option(names = "--management-metrics-port", defaultValue = "9030",
      description = "Management Layer metrics port (default ${DEFAULT-VALUE}; 0: none).")
  int managementMetricsPort;

  @Option(names = "--stat-a-metrics-port", defaultValue = "9040",
      description = "StatServer_A metrics port (default ${DEFAULT-VALUE}; 0: none).")
  int statAMetricsPort;

  @Option(names = "--stat-b-metrics-port", defaultValue = "9041",
      description = "StatServer_B metrics port (default ${DEFAULT-VALUE}; 0: none).")
  int statBMetricsPort;

  @Option(names = "--fresh", description = {"Delete the Config Server's journal first: start again from the sample configuration.",
      "The journal keeps the configuration (ports included) from one `up` to the next. With --etcd, the etcd",
      "members' data too."})
  boolean fresh;

  @Option(names = "--insecure", description = {"Run the stack in plaintext, without identities or authorisation (a lab, a",
      "debugger); commands then need --insecure too."})
  boolean insecure;

  @Option(names = "--etcd", description = {"Keep the configuration in a local three-member etcd cluster (the etcd binary",
      "on the PATH, Debian's etcd-server; client ports 2379, 2479, 2579) served by two Config Servers (2020 and",
      "--config-2-port); the other services are given both."})
  boolean etcd;

  @Option(names = "--etcd-client-ports", defaultValue = LocalEtcd.CLIENT_PORTS, split = ",", paramLabel = "PORT,...",
      description = "With --etcd: the members' client ports, one per member (default ${DEFAULT-VALUE}).")
  List<Integer> etcdClientPorts;

  @Option(names = "--etcd-peer-ports", defaultValue = LocalEtcd.PEER_PORTS, split = ",", paramLabel = "PORT,...",
      description = "With --etcd: the members' peer ports, one per member (default ${DEFAULT-VALUE}).")
  List<Integer> etcdPeerPorts;

  @Option(names = "--config-2-port", defaultValue = "2021",
      description = "The second Config Server's port with --etcd (default ${DEFAULT-VALUE}).")
  int config2Port;

  @Option(names = "--config-2-metrics-port", defaultValue = "9021",
      description = "The second Config Server's metrics port with --etcd (default ${DEFAULT-VALUE}; 0: none).")
  int config2MetricsPort;

  @Option(names = "--management-2-port", defaultValue = "2031",
      description = "The second Management Layer's port with --etcd (default ${DEFAULT-VALUE}).")
  int management2Port;

  @Option(names = "--management-2-metrics-port", defaultValue = "9031",
      description = "The second Management Layer's metrics port with --etcd (default ${DEFAULT-VALUE}; 0: none).")
  int management2MetricsPort;

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
    Path pki = layout.stateDir().resolve("pki");
    LocalEtcd localEtcd;
    try {
      localEtcd = new LocalEtcd(layout, insecure ? null : pki, etcdClientPorts, etcdPeerPorts);
    } catch (IllegalArgumentException e) {
      System.err.println("tandem: " + e.getMessage());
      return 2;
    }
    if (fresh) {
      Directories.deleteRecursively(dataDir);
      if (etcd) {
        for (Path etcdData : localEtcd.dataDirs()) {
          Directories.deleteRecursively(etcdData);
        }
      }
    }
    List<String> applications = List.of("confserv", "MgmtLayer", "StatServer_A", "StatServer_B", ServerIdentity.ETCD);
    if (!insecure) {
      PkiDirectory.InitResult certificates = PkiCommand.init(pki, applications, List.of(), false);
      if (!certificates.issued().isEmpty()) {
        System.out.println("Certificates for " + String.join(", ", certificates.issued()) + " in "
            + Path.of("").toAbsolutePath().relativize(pki));
      }
    }
    Path sample = layout.stateDir().resolve("sample-contact-center.yaml");
    Files.writeString(sample, SampleConfiguration.render(Map.of("confserv", configPort, "MgmtLayer", managementPort,
        "StatServer_A", statAPort, "StatServer_B", statBPort)));
    String config = etcd ? "localhost:" + configPort + ",localhost:" + config2Port : "localhost:" + configPort;
    String management = etcd ? "localhost:" + managementPort + ",localhost:" + management2Port : "localhost:" + managementPort;
    List<String> store = etcd ? List.of("--store", "etcd", "--etcd-endpoints", localEtcd.endpoints().toString())
        : List.of("--data-dir", dataDir.toString());
    List<List<StackMember>> waves = new ArrayList<>();
    waves.add(List.of(member("config-server", "config-server-stub", configPort, configMetricsPort, pki, "confserv",
        concat(store, "--bootstrap", sample.toString()))));
    if (etcd) {
      // The second finds the configuration the first loaded (and would load it only if it were not there).
      waves.add(List.of(member("config-server-2", "config-server-stub", config2Port, config2MetricsPort, pki, "confserv",
          concat(store, "--bootstrap", sample.toString()))));
    }
    List<StackMember> managementLayers = new ArrayList<>();
    managementLayers.add(managementLayer("management-layer", managementPort, managementMetricsPort, pki, config, layout,
        etcd ? localEtcd : null));
    if (etcd) {
      // Two over the etcd cluster: one leads, the other stands by and takes over.
      managementLayers.add(managementLayer("management-layer-2", management2Port, management2MetricsPort, pki, config,
          layout, localEtcd));
    }
    waves.add(managementLayers);
    waves.add(List.of(
        member("StatServer_A", "stat-server", statAPort, statAMetricsPort, pki, "StatServer_A",
            List.of("--app", "StatServer_A", "--config-server", config, "--management", management)),
        member("StatServer_B", "stat-server", statBPort, statBMetricsPort, pki, "StatServer_B",
            List.of("--app", "StatServer_B", "--config-server", config, "--management", management))));

    // The health probes call as the operator, as every command run here will.
    try (TransportSecurity probes = insecure ? TransportSecurity.plaintext()
        : TransportSecurity.mutualTls(TlsFiles.inDirectory(pki, AccessRule.OPERATOR))) {
      if (etcd) {
        try {
          localEtcd.start(probes, Duration.ofSeconds(timeoutSeconds));
        } catch (IllegalStateException failure) {
          System.err.println("tandem: " + failure.getMessage());
          new Stack(layout).stopAll(Duration.ofSeconds(10), line -> { });
          return 1;
        }
      }
      return start(layout, waves, probes, etcd ? localEtcd : null);
    }
  }

  private static List<String> concat(List<String> first, String... more) {
    List<String> all = new ArrayList<>(first);
    all.addAll(List.of(more));
    return all;
  }

  /** Starts the waves in order, each once the one before is SERVING; 1 (and the stack stopped) if one fails. */
  private int start(StackLayout layout, List<List<StackMember>> waves, TransportSecurity probes, LocalEtcd localEtcd)
      throws IOException, InterruptedException {
    List<StackMember> started = new ArrayList<>();
    List<ServiceProcess> processes = new ArrayList<>();
    for (List<StackMember> wave : waves) {
      List<ServiceProcess> waveProcesses = new ArrayList<>();
      for (StackMember member : wave) {
        ServiceProcess process = launch(layout, member, probes);
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
    Map<String, HostPort> addresses = new LinkedHashMap<>();
    if (localEtcd != null) {
      for (int i = 1; i <= localEtcd.members(); i++) {
        addresses.put(LocalEtcd.name(i), localEtcd.endpoints().members().get(i - 1));
      }
    }
    started.forEach(member -> addresses.put(member.name(), new HostPort("localhost", member.port())));
    StackAddresses.write(layout.stateDir(), addresses);
    System.out.printf("%-17s %-16s %-16s %-8s %s%n", "SERVICE", "LISTENS ON", "METRICS", "PID", "LOG");
    if (localEtcd != null) {
      for (int i = 1; i <= localEtcd.members(); i++) {
        System.out.printf("%-17s %-16s %-16s %-8s %s%n", LocalEtcd.name(i), "127.0.0.1:" + localEtcd.clientPort(i),
            "-", Files.readString(layout.pidFile(LocalEtcd.name(i))).trim(),
            Path.of("").toAbsolutePath().relativize(layout.log(LocalEtcd.name(i))));
      }
    }
    for (int i = 0; i < started.size(); i++) {
      StackMember member = started.get(i);
      System.out.printf("%-17s %-16s %-16s %-8d %s%n", member.name(), "localhost:" + member.port(),
          member.metricsPort() == 0 ? "-" : "localhost:" + member.metricsPort(), processes.get(i).pid(),
          Path.of("").toAbsolutePath().relativize(layout.log(member.name())));
    }
    System.out.println("Stack is up. Stop it with: bin/tandem down");
    return 0;
  }

  /** A Management Layer with its own epoch ledger; with {@code localEtcd}, one of several electing their leader there. */
  private StackMember managementLayer(String name, int port, int metricsPort, Path pki, String config, StackLayout layout,
      LocalEtcd localEtcd) {
    List<String> args = new ArrayList<>(List.of("--config-server", config, "--data-dir",
        layout.stateDir().resolve(name + "-data").toString()));
    if (localEtcd != null) {
      args.addAll(List.of("--etcd-endpoints", localEtcd.endpoints().toString(), "--advertise", "localhost:" + port));
    }
    return member(name, "management-layer", port, metricsPort, pki, "MgmtLayer", args);
  }

  /** A member listening on {@code port} (and {@code metricsPort}) as {@code application}, with {@code args} besides. */
  private StackMember member(String name, String module, int port, int metricsPort, Path pki, String application,
      List<String> args) {
    List<String> all = new ArrayList<>(List.of("--port", String.valueOf(port), "--metrics-port",
        String.valueOf(metricsPort)));
    all.addAll(args);
    return new StackMember(name, module, application, port, metricsPort, flags(pki, application, all));
  }

  /** A member's flags: {@code args} and its certificate (or {@code --insecure}). */
  private List<String> flags(Path pki, String application, List<String> args) {
    List<String> all = new ArrayList<>(args);
    if (insecure) {
      all.add("--insecure");
    } else {
      TlsFiles files = TlsFiles.inDirectory(pki, application);
      all.addAll(List.of("--tls-ca", files.authority().toString(), "--tls-cert", files.certificate().toString(),
          "--tls-key", files.key().toString()));
    }
    return all;
  }

  private static ServiceProcess launch(StackLayout layout, StackMember member, TransportSecurity probes)
      throws IOException {
    String opts = System.getenv().getOrDefault("TANDEM_JAVA_OPTS", DEFAULT_JAVA_OPTS);
    List<String> jvmOptions = Arrays.stream(opts.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
    ServiceProcess process = new ServiceProcess(member.name(), layout.jar(member.module()), member.port(), jvmOptions,
        member.args(), layout.log(member.name()), ServerIdentity.of(member.application()), probes).start();
    Files.writeString(layout.pidFile(member.name()), process.pid() + System.lineSeparator());
    return process;
  }
}
