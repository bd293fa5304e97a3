package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import io.tandem.common.security.TlsFiles;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TransportSecurity;

import io.grpc.ManagedChannel;
import io.tandem.common.grpc.Channels;
import io.tandem.common.grpc.HealthProbe;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.process.FreePorts;
import io.tandem.testing.EtcdCluster;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem up} / {@code tandem down} on free ports, with the real runnable jars. */
@Order(4)
class StackUpDownTest {
  /** A Management Layer's row in `status` while it leads: since when, and its lease. */
  private static final java.util.regex.Pattern LEADS =
      java.util.regex.Pattern.compile("\\s+localhost:\\d+\\s+leads since [\\d:.]+ \\(\\d+ s\\), lease \\d+\\.\\d s left");
  @TempDir
  Path workDir;

  private final List<Long> pids = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    Cli.run(workDir, "down");
    pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  @Test
  void upStartsFourServingProcessesWithReflectionAndDownStopsEveryOne() throws Exception {
    int config = FreePorts.next();
    int management = FreePorts.next();
    int statA = FreePorts.next();
    int statB = FreePorts.next();

    Cli.Result up = Cli.run(workDir, Cli.upOnPorts(config, management, statA, statB));
    assertThat(up.exitCode()).as(up.output()).isZero();
    assertThat(up.output()).contains("config-server", "management-layer", "StatServer_A", "StatServer_B");

    for (String member : List.of("config-server", "management-layer", "StatServer_A", "StatServer_B")) {
      Path pidFile = workDir.resolve(".tandem").resolve(member + ".pid");
      pids.add(Long.parseLong(Files.readString(pidFile).trim()));
      assertThat(workDir.resolve(".tandem").resolve(member + ".log")).exists();
    }

    Path pki = workDir.resolve(".tandem").resolve("pki");
    assertThat(pki.resolve("ca.crt")).as("up makes the certificates on first use").exists();
    assertThat(pki.resolve("operator.key")).exists();
    Map<Integer, String> serviceOnPort = Map.of(
        config, "tandem.config.v1.ConfigService",
        management, "tandem.management.v1.ManagementService",
        statA, "tandem.stat.v1.StatService",
        statB, "tandem.stat.v1.StatService");
    Map<Integer, String> applicationOn = Map.of(config, ServerIdentity.CONFIG_SERVER,
        management, ServerIdentity.MANAGEMENT_LAYER, statA, "StatServer_A", statB, "StatServer_B");
    try (TransportSecurity operator = TransportSecurity.mutualTls(TlsFiles.inDirectory(pki, "operator"));
         TransportSecurity plaintext = TransportSecurity.plaintext()) {
      for (Map.Entry<Integer, String> entry : serviceOnPort.entrySet()) {
        ServerIdentity server = ServerIdentity.of(applicationOn.get(entry.getKey()));
        ManagedChannel channel = Channels.open(HostPort.local(entry.getKey()), server, operator);
        ManagedChannel withoutTls = Channels.open(HostPort.local(entry.getKey()), server, plaintext);
        try {
          assertThat(HealthProbe.check(channel, "", Duration.ofSeconds(2)).serving()).as("port %d", entry.getKey()).isTrue();
          assertThat(Reflection.listServices(channel)).contains(entry.getValue(), "grpc.health.v1.Health");
          assertThat(HealthProbe.check(withoutTls, "", Duration.ofSeconds(2)).serving())
              .as("plaintext on port %d", entry.getKey()).isFalse();
        } finally {
          Channels.close(channel, Duration.ofSeconds(1));
          Channels.close(withoutTls, Duration.ofSeconds(1));
        }
      }
    }
    Cli.Result plaintextHealth = Cli.run(workDir, "health", "--insecure", "localhost:" + config);
    assertThat(plaintextHealth.exitCode()).as(plaintextHealth.output()).isEqualTo(1);

    Cli.Result health = Cli.run(workDir, "health", "localhost:" + statA);
    assertThat(health.exitCode()).isZero();
    assertThat(health.output()).contains("SERVING");

    Cli.Result down = Cli.run(workDir, "down");
    assertThat(down.exitCode()).as(down.output()).isZero();
    assertThat(down.output()).contains("stopped config-server", "stopped management-layer",
        "stopped StatServer_A", "stopped StatServer_B").doesNotContain("killed");
    for (long pid : pids) {
      Optional<ProcessHandle> process = ProcessHandle.of(pid);
      assertThat(process.map(ProcessHandle::isAlive).orElse(false)).as("pid %d", pid).isFalse();
    }
    assertThat(workDir.resolve(".tandem").resolve("config-server.pid")).doesNotExist();

    Cli.Result unreachable = Cli.run(workDir, "health", "localhost:" + statA);
    assertThat(unreachable.exitCode()).isEqualTo(1);
    assertThat(unreachable.output()).contains("UNREACHABLE");
  }

  @Test
  void upWithEtcdServesTheConfigurationFromTwoConfigServersThatOutliveEachOther() throws Exception {
    EtcdCluster.requireBinary();
    int config = FreePorts.next();
    int config2 = FreePorts.next();
    List<String> args = new ArrayList<>(List.of(Cli.upOnPorts(config, FreePorts.next(), FreePorts.next(), FreePorts.next())));
    List<String> clients = List.of("" + FreePorts.next(), "" + FreePorts.next(), "" + FreePorts.next());
    List<String> peers = List.of("" + FreePorts.next(), "" + FreePorts.next(), "" + FreePorts.next());
    int management2 = FreePorts.next();
    args.addAll(List.of("--etcd", "--config-2-port", "" + config2, "--config-2-metrics-port", "" + FreePorts.next(),
        "--etcd-client-ports", String.join(",", clients), "--etcd-peer-ports", String.join(",", peers),
        "--management-2-port", "" + management2, "--management-2-metrics-port", "0"));
    Cli.Result up = Cli.run(workDir, args.toArray(String[]::new));
    assertThat(up.exitCode()).as(up.output()).isZero();
    assertThat(up.output()).contains("etcd-1", "etcd-2", "etcd-3", "config-server-2", "management-layer-2");
    for (String member : List.of("etcd-1", "etcd-2", "etcd-3", "config-server", "config-server-2", "management-layer",
        "management-layer-2")) {
      pids.add(Long.parseLong(Files.readString(workDir.resolve(".tandem").resolve(member + ".pid")).trim()));
    }
    String servers = "localhost:" + config + ",localhost:" + config2;
    // Without flags, status finds what up started here, on whatever ports.
    Cli.Result status = Cli.run(workDir, "status");
    assertThat(status.output()).contains("localhost:" + config, "localhost:" + config2, "127.0.0.1:" + clients.get(2));
    assertThat(status.output()).as(status.output()).contains("CONFIG SERVERS", "ETCD MEMBERS")
        .doesNotContain("not answering");
    assertThat(status.output().lines().filter(line -> line.matches("\\s+127\\.0\\.0\\.1:\\d+\\s+yes .*")))
        .as("one member leads").hasSize(1);
    assertThat(status.output()).contains("MANAGEMENT LAYERS");
    // The standby names the leader once it has looked at the leader key since the election.
    await().atMost(Duration.ofMinutes(1)).until(() -> Cli.run(workDir, "status").output()
        .contains("stands by: the leader is at localhost:"));
    status = Cli.run(workDir, "status");
    assertThat(status.output().lines().filter(line -> LEADS.matcher(line).matches()))
        .as("one Management Layer leads: " + status.output()).hasSize(1);

    // The leading Management Layer killed: the other leads, and the commands find it.
    String leading = status.output().lines().filter(line -> LEADS.matcher(line).matches()).findFirst()
        .orElseThrow().trim().replaceAll("\\s+leads .*$", "");
    long leaderPid = pids.get(leading.endsWith(":" + management2) ? 6 : 5);
    ProcessHandle leader = ProcessHandle.of(leaderPid).orElseThrow();
    leader.destroyForcibly();
    leader.onExit().get();
    await().atMost(Duration.ofMinutes(1)).until(() -> Cli.run(workDir, "status").output().lines()
        .anyMatch(line -> LEADS.matcher(line).matches() && !line.contains(leading)));

    ProcessHandle firstConfigServer = ProcessHandle.of(pids.get(3)).orElseThrow();
    firstConfigServer.destroyForcibly();
    firstConfigServer.onExit().get();
    Cli.Result write = Cli.run(workDir, "config", "set-option", "--config-server", servers, "StatServer_A", "statserver",
        "backup-check-interval", "150");
    assertThat(write.exitCode()).as("written through the survivor: " + write.output()).isZero();

    Cli.Result down = Cli.run(workDir, "down");
    assertThat(down.output()).contains("stopped etcd-1", "stopped etcd-2", "stopped etcd-3", "stopped config-server-2")
        .doesNotContain("killed");
  }
  @Test
  void upWithEtcdRefusesToSayUpWhenAMemberCannotTakeItsPortAndLeavesNothingRunning() throws Exception {
    EtcdCluster.requireBinary();
    List<String> args = new ArrayList<>(List.of(Cli.upOnPorts(FreePorts.next(), FreePorts.next(), FreePorts.next(),
        FreePorts.next())));
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      // Another process already listens on the first member's client port (a system etcd, say).
      List<String> clients = List.of("" + taken.getLocalPort(), "" + FreePorts.next(), "" + FreePorts.next());
      List<String> peers = List.of("" + FreePorts.next(), "" + FreePorts.next(), "" + FreePorts.next());
      args.addAll(List.of("--etcd", "--config-2-port", "" + FreePorts.next(), "--config-2-metrics-port", "0",
          "--etcd-client-ports", String.join(",", clients), "--etcd-peer-ports", String.join(",", peers)));
      Cli.Result up = Cli.run(workDir, args.toArray(String[]::new));
      assertThat(up.exitCode()).as(up.output()).isEqualTo(1);
      assertThat(up.output()).contains("etcd-1 exited", "client port " + taken.getLocalPort());
    }
    try (var pidFiles = Files.list(workDir.resolve(".tandem"))) {
      assertThat(pidFiles.map(Path::getFileName).map(Path::toString)).noneMatch(name -> name.endsWith(".pid"));
    }
  }
}
