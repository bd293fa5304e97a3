package io.tandem.cli.stack;

import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TlsFiles;
import io.tandem.common.security.TransportSecurity;
import io.tandem.etcd.EtcdBinary;
import io.tandem.etcd.EtcdEndpoints;
import io.tandem.etcd.EtcdMemberStatus;
import io.tandem.etcd.EtcdRequirements;
import io.tandem.protocol.link.HostPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The three etcd members of {@code tandem up --etcd}: started from the {@code etcd} binary on the
 * PATH, each with its data ({@code .tandem/etcd-N.etcd}), log and pid file, client and peer
 * links on mutual TLS with the installation's certificate {@code etcd} (plaintext with
 * {@code --insecure}), and the request limit Tandem needs.
 */
final class LocalEtcd {
  /** The members' client ports unless told others. */
  static final String CLIENT_PORTS = "2379,2479,2579";
  /** The members' peer ports unless told others. */
  static final String PEER_PORTS = "2380,2480,2580";
  private static final Duration POLL = Duration.ofMillis(200);

  private final StackLayout layout;
  private final Path pki;
  private final List<Integer> clientPorts;
  private final List<Integer> peerPorts;

  /** @param pki the installation's certificates, or null for plaintext */
  LocalEtcd(StackLayout layout, Path pki, List<Integer> clientPorts, List<Integer> peerPorts) {
    if (clientPorts.size() != peerPorts.size() || clientPorts.isEmpty()) {
      throw new IllegalArgumentException("--etcd-client-ports and --etcd-peer-ports: give as many of each, one per member"
          + " (" + clientPorts.size() + " and " + peerPorts.size() + " given)");
    }
    this.layout = layout;
    this.pki = pki;
    this.clientPorts = List.copyOf(clientPorts);
    this.peerPorts = List.copyOf(peerPorts);
  }

  int members() {
    return clientPorts.size();
  }

  int clientPort(int member) {
    return clientPorts.get(member - 1);
  }

  static String name(int member) {
    return "etcd-" + member;
  }

  EtcdEndpoints endpoints() {
    return new EtcdEndpoints(clientPorts.stream().map(port -> new HostPort("127.0.0.1", port)).toList());
  }

  /** Each member's data directory, which {@code --fresh} deletes. */
  List<Path> dataDirs() {
    List<Path> dirs = new ArrayList<>();
    for (int i = 1; i <= members(); i++) {
      dirs.add(layout.stateDir().resolve(name(i) + ".etcd"));
    }
    return dirs;
  }

  /**
   * Starts every member (each on its data if it has some) and waits until one leads.
   *
   * @throws IllegalStateException naming the package when etcd is not installed, or saying which
   *     member did not start, with the end of its log
   */
  void start(TransportSecurity probes, Duration timeout) throws IOException, InterruptedException {
    Path binary = EtcdBinary.onPath().orElseThrow(() -> new IllegalStateException(EtcdBinary.missing()));
    String scheme = pki == null ? "http://" : "https://";
    String cluster = clusterMembers(scheme);
    List<Path> missing = dataDirs().stream().filter(dir -> !Files.isDirectory(dir)).toList();
    if (!missing.isEmpty() && missing.size() < members()) {
      // A member started empty beside members with data would found a cluster of its own.
      throw new IllegalStateException("the etcd members' data is incomplete (" + missing.stream()
          .map(dir -> dir.getFileName().toString()).collect(Collectors.joining(", ")) + " missing in "
          + layout.stateDir() + "): run tandem down, then tandem up --etcd --fresh to start the configuration again");
    }
    String state = missing.isEmpty() ? "existing" : "new";
    List<Process> started = new ArrayList<>();
    for (int i = 1; i <= members(); i++) {
      int client = clientPorts.get(i - 1);
      int peer = peerPorts.get(i - 1);
      Path data = dataDirs().get(i - 1);
      List<String> command = new ArrayList<>(List.of(binary.toString(), "--name", name(i),
          "--data-dir", data.toString(),
          "--listen-client-urls", scheme + "127.0.0.1:" + client, "--advertise-client-urls", scheme + "127.0.0.1:" + client,
          "--listen-peer-urls", scheme + "127.0.0.1:" + peer,
          "--initial-advertise-peer-urls", scheme + "127.0.0.1:" + peer,
          "--initial-cluster", cluster, "--initial-cluster-state", state,
          "--initial-cluster-token", "tandem-local",
          "--max-request-bytes", Integer.toString(EtcdRequirements.MAX_REQUEST_BYTES),
          "--logger", "zap", "--log-outputs", "stderr"));
      if (pki != null) {
        TlsFiles files = TlsFiles.inDirectory(pki, ServerIdentity.ETCD);
        for (String side : List.of("", "peer-")) {
          command.addAll(List.of("--" + side + "cert-file", files.certificate().toString(),
              "--" + side + "key-file", files.key().toString(),
              "--" + side + "trusted-ca-file", files.authority().toString(), "--" + side + "client-cert-auth"));
        }
        // Every service's certificate comes from the same authority: only a member's may join the cluster.
        command.addAll(List.of("--peer-cert-allowed-cn", ServerIdentity.ETCD));
      }
      Process process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(layout.log(name(i)).toFile())).start();
      Files.writeString(layout.pidFile(name(i)), process.pid() + System.lineSeparator());
      started.add(process);
    }
    awaitCluster(started, probes, timeout);
  }

  private String clusterMembers(String scheme) {
    List<String> members = new ArrayList<>();
    for (int i = 1; i <= members(); i++) {
      members.add(name(i) + "=" + scheme + "127.0.0.1:" + peerPorts.get(i - 1));
    }
    return String.join(",", members);
  }

  /** Every member's status, asked with {@code probes}' certificate. */
  List<EtcdMemberStatus> status(TransportSecurity probes) {
    return EtcdMemberStatus.askAll(endpoints(), probes.channelCredentials(ServerIdentity.of(ServerIdentity.ETCD)),
        Duration.ofSeconds(2));
  }

  /**
   * Waits until every member answers, in one cluster, with a leader. A member whose process ended
   * (a port taken, a data directory of another cluster) is reported at once with its log.
   */
  private void awaitCluster(List<Process> started, TransportSecurity probes, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (int i = 1; i <= started.size(); i++) {
        Process process = started.get(i - 1);
        if (!process.isAlive()) {
          throw new IllegalStateException(name(i) + " exited with code " + process.exitValue() + " (client port "
              + clientPort(i) + ", peer port " + peerPorts.get(i - 1) + "); see " + layout.log(name(i)));
        }
      }
      Optional<String> problem = EtcdMemberStatus.problem(status(probes));
      if (problem.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("etcd is not serving after " + timeout.toSeconds() + " s: " + problem.get()
            + "; see " + layout.log(name(1)).getParent() + "/etcd-*.log");
      }
      Thread.sleep(POLL.toMillis());
    }
  }
}
