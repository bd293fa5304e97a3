package io.tandem.testing;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.tandem.common.grpc.Channels;
import io.tandem.common.process.FreePorts;
import io.tandem.common.process.ServiceProcess;
import io.tandem.common.security.AccessRule;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TlsFiles;
import io.tandem.etcd.EtcdChannels;
import io.tandem.etcd.EtcdBinary;
import io.tandem.etcd.EtcdEndpoints;
import io.tandem.etcd.EtcdMemberStatus;
import io.tandem.etcd.EtcdRequirements;
import io.tandem.protocol.link.HostPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real etcd cluster on loopback for tests: members started from the {@code etcd} binary on the
 * PATH (Debian's {@code etcd-server}), on free ports, each with its data and log in {@code dir};
 * members can be killed and restarted, and the cluster tells which member leads.
 */
public final class EtcdCluster implements AutoCloseable {
  /** Where a missing binary comes from, for the message that says so. */
  public static final String PACKAGE = EtcdBinary.PACKAGE;
  private static final Duration POLL = Duration.ofMillis(100);

  /** One member: its name, ports, data directory and, while it runs, its process. */
  public static final class Member {
    private final String name;
    private final int clientPort;
    private final int peerPort;
    private final Path dataDir;
    private final Path log;
    private Process process;
    /** To ask this member its status; opened with each launch, closed when it is killed or stopped. */
    private ManagedChannel channel;

    Member(String name, int clientPort, int peerPort, Path dir) {
      this.name = name;
      this.clientPort = clientPort;
      this.peerPort = peerPort;
      this.dataDir = dir.resolve(name + ".etcd");
      this.log = dir.resolve(name + ".log");
    }

    public String name() {
      return name;
    }

    public HostPort client() {
      return new HostPort("127.0.0.1", clientPort);
    }

    public Optional<Long> pid() {
      return process != null && process.isAlive() ? Optional.of(process.pid()) : Optional.empty();
    }

    String peerUrl() {
      return "http://127.0.0.1:" + peerPort;
    }
  }

  private final Path binary;
  private final List<String> flags;
  /** The members' certificate (clients must present one from the same authority), or null for plaintext. */
  private final TlsFiles tls;
  private final ChannelCredentials credentials;
  private final Map<String, Member> members = new LinkedHashMap<>();

  private EtcdCluster(Path binary, List<String> flags, TlsFiles tls, ChannelCredentials credentials) {
    this.binary = binary;
    this.flags = flags;
    this.tls = tls;
    this.credentials = credentials;
  }

  /**
   * For a test's {@code @BeforeAll}: skips the test when no etcd is on the PATH, or fails it when
   * {@code CI} is set ({@code .ci/run} installs Debian's {@value #PACKAGE}).
   */
  public static void requireBinary() {
    if (binary().isEmpty()) {
      MissingPart.stop("etcd is not on the PATH: install Debian's " + PACKAGE + " (.ci/run does)");
    }
  }

  /** The {@code etcd} binary on the PATH, if there is one. */
  public static Optional<Path> binary() {
    return EtcdBinary.onPath();
  }


  /** Starts {@code size} members in {@code dir}, set as Tandem needs them, and returns once one of them leads. */
  public static EtcdCluster start(Path dir, int size, Duration timeout) throws IOException, InterruptedException {
    return start(dir, size, timeout, TANDEM_FLAGS, null, InsecureChannelCredentials.create());
  }

  /**
   * As {@link #start(Path, int, Duration)} over mutual TLS with {@code stack}'s authority: every
   * member presents the certificate of {@link ServerIdentity#ETCD} (issued here) on its client port
   * and requires a client certificate from the same authority; the cluster asks its members'
   * status as the operator.
   */
  public static EtcdCluster startTls(Path dir, int size, Duration timeout, MiniStack stack)
      throws IOException, InterruptedException {
    stack.tlsFlags(ServerIdentity.ETCD);
    return start(dir, size, timeout, TANDEM_FLAGS, TlsFiles.inDirectory(stack.pkiDirectory(), ServerIdentity.ETCD),
        stack.security(AccessRule.OPERATOR).channelCredentials(ServerIdentity.of(ServerIdentity.ETCD)));
  }

  private static final List<String> TANDEM_FLAGS =
      List.of("--max-request-bytes", Integer.toString(EtcdRequirements.MAX_REQUEST_BYTES));

  /** As {@link #start(Path, int, Duration)} with etcd's own defaults, which Tandem refuses. */
  public static EtcdCluster startWithEtcdDefaults(Path dir, int size, Duration timeout)
      throws IOException, InterruptedException {
    return start(dir, size, timeout, List.of(), null, InsecureChannelCredentials.create());
  }

  private static EtcdCluster start(Path dir, int size, Duration timeout, List<String> flags, TlsFiles tls,
      ChannelCredentials credentials) throws IOException, InterruptedException {
    Path binary = binary().orElseThrow(() -> new IllegalStateException(EtcdBinary.missing()));
    Files.createDirectories(dir);
    EtcdCluster cluster = new EtcdCluster(binary, flags, tls, credentials);
    for (int i = 1; i <= size; i++) {
      Member member = new Member("etcd-" + i, FreePorts.next(), FreePorts.next(), dir);
      cluster.members.put(member.name, member);
    }
    try {
      for (Member member : cluster.members.values()) {
        cluster.launch(member, "new");
      }
      cluster.awaitLeader(timeout);
      // Two members elect a leader without the third: a member that could not start (its port
      // taken by another JVM's test) must fail the start here, not a test a minute later.
      for (Member member : cluster.members.values()) {
        if (member.pid().isEmpty()) {
          throw new IllegalStateException(member.name + " exited at start; logs:\n" + cluster.logTails(20));
        }
      }
      return cluster;
    } catch (IOException | InterruptedException | RuntimeException e) {
      try {
        cluster.close();
      } catch (InterruptedException stopping) {
        e.addSuppressed(stopping);
      }
      throw e;
    }
  }

  public List<Member> members() {
    return List.copyOf(members.values());
  }

  public Member member(String name) {
    Member member = members.get(name);
    if (member == null) {
      throw new IllegalArgumentException("no etcd member " + name + " (members: " + members.keySet() + ")");
    }
    return member;
  }

  /** Every member's client address, as {@code --etcd-endpoints} takes them. */
  public EtcdEndpoints endpoints() {
    return new EtcdEndpoints(members.values().stream().map(Member::client).collect(Collectors.toList()));
  }

  /** The running member that says it leads (its status names itself as leader); empty while none does. */
  public Optional<Member> leader() {
    for (Member member : members.values()) {
      if (member.pid().isPresent() && member.channel != null
          && EtcdMemberStatus.ask(member.client(), member.channel, Duration.ofSeconds(1)).leader()) {
        return Optional.of(member);
      }
    }
    return Optional.empty();
  }

  /** Waits until a running member leads; the leader. */
  public Member awaitLeader(Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      Optional<Member> leader = leader();
      if (leader.isPresent()) {
        return leader.get();
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("no etcd member leads after " + timeout + "; logs:\n" + logTails(20));
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  /** SIGKILL to {@code member}; returns once it is gone. */
  public void kill(Member member) throws InterruptedException {
    if (member.process != null) {
      member.process.destroyForcibly();
      member.process.waitFor();
    }
    closeChannel(member);
  }

  /** Starts a killed member again with its data: it rejoins the cluster. */
  public void restart(Member member) throws IOException {
    if (member.pid().isPresent()) {
      throw new IllegalStateException(member.name + " is running");
    }
    launch(member, "existing");
  }

  /** The last {@code lines} lines of every member's log. */
  public String logTails(int lines) {
    StringBuilder tails = new StringBuilder();
    for (Member member : members.values()) {
      tails.append("--- ").append(member.name).append(" (").append(member.log).append(")\n");
      try {
        List<String> all = Files.exists(member.log) ? ServiceProcess.readLog(member.log, 0).lines().toList() : List.of();
        all.subList(Math.max(0, all.size() - lines), all.size()).forEach(line -> tails.append(line).append('\n'));
      } catch (IOException e) {
        tails.append("(unreadable: ").append(e.getMessage()).append(")\n");
      }
    }
    return tails.toString();
  }

  @Override
  public void close() throws InterruptedException {
    for (Member member : members.values()) {
      if (member.process != null) {
        member.process.destroy();
      }
    }
    for (Member member : members.values()) {
      if (member.process != null && !member.process.waitFor(10, TimeUnit.SECONDS)) {
        member.process.destroyForcibly().waitFor();
      }
      closeChannel(member);
    }
  }

  private static void closeChannel(Member member) {
    Channels.close(member.channel, Duration.ofSeconds(1));
    member.channel = null;
  }

  private void launch(Member member, String clusterState) throws IOException {
    String initialCluster = members.values().stream().map(m -> m.name + "=" + m.peerUrl()).collect(Collectors.joining(","));
    List<String> command = new ArrayList<>(List.of(binary.toString(),
        "--name", member.name,
        "--data-dir", member.dataDir.toString(),
        "--listen-client-urls", clientScheme() + member.client(),
        "--advertise-client-urls", clientScheme() + member.client(),
        "--listen-peer-urls", member.peerUrl(),
        "--initial-advertise-peer-urls", member.peerUrl(),
        "--initial-cluster", initialCluster,
        "--initial-cluster-state", clusterState,
        "--initial-cluster-token", "tandem-test",
        "--logger", "zap",
        "--log-outputs", "stderr"));
    command.addAll(flags);
    if (tls != null) {
      command.addAll(List.of("--cert-file", tls.certificate().toString(), "--key-file", tls.key().toString(),
          "--trusted-ca-file", tls.authority().toString(), "--client-cert-auth"));
    }
    member.process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(member.log.toFile())).start();
    member.channel = EtcdChannels.open(new EtcdEndpoints(List.of(member.client())), credentials);
  }

  private String clientScheme() {
    return tls == null ? "http://" : "https://";
  }

}
