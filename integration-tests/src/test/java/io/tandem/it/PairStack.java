package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tandem.cli.config.ContactCenterGenerator;
import io.tandem.client.WarmStandbyClient;
import io.tandem.common.config.Applications;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.grpc.HealthProbe;
import io.tandem.common.config.ConfigYaml;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.SetOptionRequest;
import io.tandem.management.v1.GetPairsRequest;
import io.tandem.management.v1.ManagementServiceGrpc;
import io.tandem.management.v1.MemberStatus;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.PairStatus;
import io.tandem.management.v1.PairsStatus;
import io.tandem.stat.v1.GetServerInfoRequest;
import io.tandem.stat.v1.ServerInfo;
import io.tandem.stat.v1.StatServiceGrpc;
import io.tandem.common.process.FreePorts;
import io.tandem.etcd.EtcdEndpoints;
import io.tandem.testing.Launch;
import io.tandem.testing.LogTails;
import io.tandem.testing.MiniStack;
import io.tandem.testing.Service;
import io.tandem.testing.StackMember;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.awaitility.core.ConditionFactory;

/**
 * A whole Tandem stack as real processes from the runnable jars, on free ports (a {@link MiniStack}):
 * a Config Server, a Management Layer and a Stat Server pair {@code StatServer_A} (backup
 * {@code StatServer_B}), or a standalone {@code StatServer_A}.
 */
final class PairStack implements AutoCloseable {
  static final String A = "StatServer_A";
  static final String B = "StatServer_B";
  static final String CONFIG_SERVER = "config-server";
  /** The second Config Server of a stack over etcd. */
  static final String CONFIG_SERVER_2 = "config-server-2";
  static final String MANAGEMENT = "management-layer";
  static final String MANAGEMENT_2 = "management-layer-2";
  static final Duration WAIT = Duration.ofSeconds(90);
  /** How long a single call may take to be answered on a busy machine. */
  static final Duration ANSWER_DEADLINE = Duration.ofSeconds(10);
  /** How much of each service's log a failed scenario prints (its directory goes with the test). */
  static final int LOG_LINES_ON_FAILURE = 80;

  /** How the pair is configured. */
  record Setup(boolean pair, String delayA, String delayB, String acceptA, String acceptB, int agents, int groups) {
    static Setup pair(String delay, String accept) {
      return new Setup(true, delay, delay, accept, accept, 200, 4);
    }

    Setup withAgents(int count, int groupCount) {
      return new Setup(pair, delayA, delayB, acceptA, acceptB, count, groupCount);
    }

    static Setup standalone() {
      return new Setup(false, "true", "true", "yes", "yes", 200, 4);
    }
  }

  final Path dir;
  final MiniStack stack;
  final int configPort = FreePorts.next();
  final int configPort2 = FreePorts.next();
  /** The etcd cluster the Config Servers keep the configuration in (two of them), or null for one over its journal. */
  private EtcdEndpoints etcd;
  final int managementPort = FreePorts.next();
  final int managementPort2 = FreePorts.next();
  /** With two Management Layers electing their leader in etcd: each one's way to etcd (a proxy's, say); else empty. */
  private final List<EtcdEndpoints> managementEtcd = new ArrayList<>();
  final Map<String, Integer> statPorts = new LinkedHashMap<>();
  /** Every service's metrics port, by member name. */
  final Map<String, Integer> metricsPorts = new LinkedHashMap<>();
  final Setup setup;
  private boolean fsync;
  private final Map<String, String> managementOptions = new LinkedHashMap<>();
  private Map<String, String> managementEnvironment = Map.of();
  private final Map<String, String> statServerOptions = new LinkedHashMap<>();
  private final Function<Service, List<String>> jvmOptions;

  PairStack(Path dir, Setup setup) throws IOException {
    this(dir, setup, ServiceJvm::options);
  }

  /** A stack whose processes get {@code jvmOptions} of their service. */
  PairStack(Path dir, Setup setup, Function<Service, List<String>> jvmOptions) throws IOException {
    this.dir = dir;
    this.setup = setup;
    this.jvmOptions = jvmOptions;
    this.stack = new MiniStack(dir, MiniStack.Mode.PROCESSES);
    statPorts.put(A, FreePorts.next());
    if (setup.pair()) {
      statPorts.put(B, FreePorts.next());
    }
    for (String member : List.of(CONFIG_SERVER, MANAGEMENT)) {
      metricsPorts.put(member, FreePorts.next());
    }
    statPorts.keySet().forEach(member -> metricsPorts.put(member, FreePorts.next()));
    Files.writeString(dir.resolve("bootstrap.yaml"), ConfigYaml.write(configuration()));
  }

  private List<ConfigObject> configuration() {
    List<ConfigObject> objects = new ArrayList<>();
    objects.add(Applications.of("confserv", ApplicationType.CONFIG_SERVER).port(configPort)
        .option("confserv", "progress-interval", "200").build());
    Applications management = Applications.of("MgmtLayer", ApplicationType.MANAGEMENT_LAYER)
        .port(managementPort).option("management", "disconnect-switchover-timeout", "2s")
        .option("management", "switchover-timeout", "5s");
    managementOptions.forEach((key, value) -> management.option("management", key, value));
    objects.add(management.build());
    objects.add(statServerApp(A, setup.pair() ? B : "", setup.delayA(), setup.acceptA()));
    if (setup.pair()) {
      objects.add(statServerApp(B, "", setup.delayB(), setup.acceptB()));
    }
    objects.addAll(ContactCenterGenerator.generate(setup.agents(), setup.groups(), 3));
    return objects;
  }

  private ConfigObject statServerApp(String name, String backup, String delay, String accept) {
    Applications app = Applications.of(name, ApplicationType.STAT_SERVER).port(statPorts.get(name)).backup(backup)
        .option("statserver", "config-reload-delay-if-primary", delay)
        .option("statserver", "accept-clients-in-backup-mode", accept)
        .option("statserver", "backup-check-interval", "100");
    statServerOptions.forEach((key, value) -> app.option("statserver", key, value));
    return app.build();
  }

  /** Every Stat Server starts with {@code key} (section {@code statserver}) set to {@code value}. */
  PairStack withStatServerOption(String key, String value) throws IOException {
    statServerOptions.put(key, value);
    Files.writeString(dir.resolve("bootstrap.yaml"), ConfigYaml.write(configuration()));
    return this;
  }

  /** The Management Layer starts with {@code key} (section {@code management}) set to {@code value}. */
  PairStack withManagementOption(String key, String value) throws IOException {
    managementOptions.put(key, value);
    Files.writeString(dir.resolve("bootstrap.yaml"), ConfigYaml.write(configuration()));
    return this;
  }

  /** The Config Server forces its journal to disk, as in production (the scenarios run without it). */
  PairStack withFsync() {
    fsync = true;
    return this;
  }

  /**
   * Two Config Servers keep the configuration in {@code endpoints}' etcd cluster (it must accept
   * this stack's certificates); the other services get both addresses.
   */
  PairStack withEtcd(EtcdEndpoints endpoints) {
    this.etcd = endpoints;
    metricsPorts.put(CONFIG_SERVER_2, FreePorts.next());
    return this;
  }

  /**
   * Two Management Layers elect their leader in etcd, the first reaching it at {@code first}, the
   * second at {@code second} (the cluster's endpoints, or proxies to them); the Stat Servers get both.
   */
  PairStack withManagementLayers(EtcdEndpoints first, EtcdEndpoints second) {
    managementEtcd.addAll(List.of(first, second));
    metricsPorts.put(MANAGEMENT_2, FreePorts.next());
    return this;
  }

  /** The Management Layers' names: one, or two over etcd. */
  List<String> managementNames() {
    return managementEtcd.isEmpty() ? List.of(MANAGEMENT) : List.of(MANAGEMENT, MANAGEMENT_2);
  }

  /** What the services are given as {@code --config-server}: every Config Server. */
  String configServers() {
    return etcd == null ? "localhost:" + configPort : "localhost:" + configPort + ",localhost:" + configPort2;
  }

  /** Starts everything and waits until the pair has its modes and serves. */
  PairStack start() throws Exception {
    return start("", managementPort);
  }

  private Launch launch(Service service, String name, int port, List<String> args) {
    return new Launch(service, name, port, args, jvmOptions.apply(service));
  }

  StackMember config() {
    return stack.member(CONFIG_SERVER);
  }

  /**
   * The Management Layer, or of two the one that leads now; when neither does, UNAVAILABLE with
   * what each answered (a wait from {@link #awaitPair} takes that as not yet).
   */
  StackMember management() {
    if (managementEtcd.isEmpty()) {
      return stack.member(MANAGEMENT);
    }
    List<String> answers = new ArrayList<>();
    for (String name : managementNames()) {
      StackMember member = stack.member(name);
      if (member == null || !member.alive()) {
        answers.add(name + " is not running");
        continue;
      }
      try {
        askPairs(member);
        return member;
      } catch (StatusRuntimeException e) {
        answers.add(name + ": " + e.getStatus());
      }
    }
    throw Status.UNAVAILABLE.withDescription("no Management Layer leads now; " + String.join("; ", answers))
        .asRuntimeException();
  }

  /** Of two Management Layers, the one that leads, once one does. */
  StackMember leader() {
    return awaitPair("a leading Management Layer").until(this::management, Objects::nonNull);
  }

  /** Of two Management Layers, the one that is not {@code member}. */
  StackMember otherManagementLayer(StackMember member) {
    return stack.member(member.name().equals(MANAGEMENT) ? MANAGEMENT_2 : MANAGEMENT);
  }

  /** Whether {@code member} answers as the leader (a standby answers UNAVAILABLE). */
  static boolean leads(StackMember member) {
    try {
      askPairs(member);
      return true;
    } catch (StatusRuntimeException e) {
      return false;
    }
  }

  /** The pairs as {@code member} reports them; a frozen one costs {@link #ANSWER_DEADLINE}, not the whole wait. */
  private static PairsStatus askPairs(StackMember member) {
    return ManagementServiceGrpc.newBlockingStub(member.channel())
        .withDeadlineAfter(ANSWER_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
        .getPairs(GetPairsRequest.getDefaultInstance());
  }

  StackMember stat(String name) {
    return stack.member(name);
  }

  /** Stat Server {@code name} as a warm-standby client finds it: its application and client port. */
  WarmStandbyClient.Member clientPort(String name) {
    return new WarmStandbyClient.Member(name, HostPort.local(statPorts.get(name)));
  }

  List<StackMember> stats() {
    return statPorts.keySet().stream().map(this::stat).toList();
  }

  void startManagementLayer() throws Exception {
    startManagementLayer(managementEnvironment);
  }

  /** The Management Layers of this stack start with {@code environment} besides what they inherit. */
  PairStack withManagementEnvironment(Map<String, String> environment) {
    managementEnvironment = Map.copyOf(environment);
    return this;
  }

  /** Starts the Management Layer (or both, one after the other) with {@code environment} besides what it inherits. */
  void startManagementLayer(Map<String, String> environment) throws Exception {
    List<String> names = managementNames();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      int port = i == 0 ? managementPort : managementPort2;
      List<String> args = new ArrayList<>(List.of("--port", "" + port, "--config-server", configServers(),
          "--data-dir", dir.resolve(i == 0 ? "management-data" : "management-2-data").toString(),
          "--metrics-port", "" + metricsPorts.get(name)));
      if (!managementEtcd.isEmpty()) {
        args.addAll(List.of("--etcd-endpoints", managementEtcd.get(i).toString(), "--advertise", "localhost:" + port));
      }
      stack.start(launch(Service.MANAGEMENT_LAYER, name, port, args).withEnvironment(environment));
    }
  }

  /** Starts a Stat Server; it serves once it has its configuration and a mode. */
  StackMember startStatServerNoWait(String name) throws Exception {
    return startStatServerNoWait(name, managementPort);
  }

  /** Starts a Stat Server that reaches the Management Layer at {@code management} (a {@code LinkProxy}, say). */
  StackMember startStatServerNoWait(String name, int management) throws Exception {
    int port = statPorts.get(name);
    String managementLayers = managementEtcd.isEmpty() ? "localhost:" + management
        : "localhost:" + managementPort + ",localhost:" + managementPort2;
    return stack.startNoWait(launch(Service.STAT_SERVER, name, port, List.of("--app", name, "--port", "" + port,
        "--config-server", configServers(), "--management", managementLayers,
        "--metrics-port", "" + metricsPorts.get(name), "--status-file", statusFile(name).toString())));
  }

  /** Where a Stat Server keeps its status file ({@code --status-file}), as a container's health check reads it. */
  Path statusFile(String member) {
    return dir.resolve(member + ".status");
  }

  /** Starts everything, {@code name} reaching the Management Layer at {@code management}; waits as {@link #start}. */
  PairStack start(String name, int management) throws Exception {
    try {
      startConfigServer(false);
      startManagementLayer();
      for (String member : statPorts.keySet()) {
        startStatServerNoWait(member, member.equals(name) ? management : managementPort);
      }
      stat(primaryOf(awaitModesAcknowledged())).awaitServing(WAIT);
      return this;
    } catch (Exception | Error e) {
      // The caller never gets a stack that failed to start, so it can neither stop it nor read its logs.
      LogTails.attach(e, () -> logTails(LOG_LINES_ON_FAILURE));
      try {
        close();
      } catch (Exception stopping) {
        e.addSuppressed(stopping);
      }
      throw e;
    }
  }

  void startConfigServer(boolean emptyHistory) throws Exception {
    startConfigServer(CONFIG_SERVER, configPort, emptyHistory);
    if (etcd != null) {
      startConfigServer(CONFIG_SERVER_2, configPort2, false);
    }
  }

  /** Starts Config Server {@code name}; over etcd, the second finds the bootstrap already loaded by the first. */
  StackMember startConfigServer(String name, int port, boolean emptyHistory) throws Exception {
    List<String> args = new ArrayList<>(List.of("--port", "" + port, "--data-dir", dataDir(name).toString(), "--bootstrap", dir.resolve("bootstrap.yaml").toString(),
        "--metrics-port", "" + metricsPorts.get(name), fsync ? "--fsync" : "--no-fsync"));
    if (etcd != null) {
      args.addAll(List.of("--store", "etcd", "--etcd-endpoints", etcd.toString()));
    }
    if (emptyHistory) {
      args.add("--empty-history");
    }
    // Reading a 100,000-agent bootstrap file needs more than the default heap.
    return stack.start(launch(Service.CONFIG_SERVER, name, port, args).heap("-Xmx768m"));
  }

  /** Config Server {@code name}'s journal (a scenario may start another process on it). */
  Path dataDir(String name) {
    return dir.resolve(name.equals(CONFIG_SERVER) ? "config-data" : name + "-data");
  }

  /** Restarts the Config Server; with {@code emptyHistory} every session becomes unrestorable. */
  void restartConfigServer(boolean emptyHistory) throws Exception {
    config().close();
    startConfigServer(emptyHistory);
  }

  /** Waits until every member has its mode, acknowledged; returns the pair as it was then. */
  PairStatus awaitModesAcknowledged() {
    return awaitPair("modes assigned and acknowledged").until(this::pair, pair -> {
      List<MemberStatus> members = pair.getMembersList();
      return members.size() == statPorts.size()
          && members.stream().allMatch(m -> m.getMode() != Mode.MODE_UNSPECIFIED && m.getModeAcknowledged());
    });
  }

  /**
   * A wait whose condition only reads the pair as the leading Management Layer reports it
   * ({@link #pair}, {@link #primary}, {@link #management}). Of two, a moment when neither leads (a
   * leader that could not renew its lease in time steps down by its own deadline, and is elected
   * again or replaced a moment later; on a starved machine that happens) answers UNAVAILABLE: not
   * yet, rather than the end of the wait. Should the wait time out, the last answer is its cause.
   */
  ConditionFactory awaitPair(String alias) {
    ConditionFactory wait = await(alias).atMost(WAIT);
    return managementEtcd.isEmpty() ? wait : wait.ignoreExceptionsMatching(PairStack::unavailable);
  }

  private static boolean unavailable(Throwable e) {
    return e instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.UNAVAILABLE;
  }

  PairStatus pair() {
    return askPairs(management()).getPairsList().stream()
        .filter(p -> p.getMembersList().stream().anyMatch(m -> m.getApplication().equals(A)))
        .findFirst().orElse(PairStatus.getDefaultInstance());
  }

  /** The member the Management Layer has as primary. */
  String primary() {
    return primaryOf(pair());
  }

  private static String primaryOf(PairStatus pair) {
    return pair.getMembersList().stream().filter(m -> m.getMode() == Mode.PRIMARY).map(MemberStatus::getApplication)
        .findFirst().orElseThrow();
  }

  String other(String member) {
    return member.equals(A) ? B : A;
  }

  /** Whether {@code member} answers SERVING to a health check. */
  boolean serving(String member) {
    return serving(stat(member));
  }

  /**
   * Whether {@code member} answers SERVING, however long a busy machine takes to carry the answer:
   * what is checked is the answer, not how fast it came ({@link StackMember#health} gives up after
   * half a second and counts that as not serving).
   */
  static boolean serving(StackMember member) {
    return HealthProbe.check(member.channel(), "", ANSWER_DEADLINE).serving();
  }

  /** How long neither member served, by their own clocks (see {@link HealthTimeline#darkMillisByServers}). */
  double darkMillisByServers() {
    return HealthTimeline.darkMillisByServers(List.of(info(A), info(B)));
  }

  /**
   * Waits until each member's health watch has shown what the member recorded of its serving
   * changes ({@link HealthTimeline#unexplained}), failing with the difference if it never does:
   * with {@link #darkMillisByServers} at zero, the watches saw no dark span either.
   */
  void awaitWatchesExplained(HealthTimeline health) {
    // A member slow to answer GetServerInfo on a busy machine is asked again.
    await("the health watches show what the members recorded").atMost(WAIT)
        .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
        .untilAsserted(() -> {
          Map<String, ServerInfo> infos = new LinkedHashMap<>();
          statPorts.keySet().forEach(member -> infos.put(member, info(member)));
          assertThat(health.unexplained(infos)).isEmpty();
        });
  }

  ServerInfo info(String member) {
    return StatServiceGrpc.newBlockingStub(stat(member).channel())
        .withDeadlineAfter(ANSWER_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
        .getServerInfo(GetServerInfoRequest.getDefaultInstance());
  }

  /** Sets a Stat Server option (section {@code statserver}). */
  void setOption(String application, String key, String value) {
    setOption(application, "statserver", key, value);
  }

  void setOption(String application, String section, String key, String value) {
    ConfigServiceGrpc.newBlockingStub(config().channel()).setOption(SetOptionRequest.newBuilder()
        .setApplication(application).setSection(section).setKey(key).setValue(value).build());
  }

  /** Sets a Management Layer option (section {@code management}); it applies at once. */
  void managementOption(String key, String value) {
    setOption("MgmtLayer", "management", key, value);
  }

  /** The member of the pair as the Management Layer sees it. */
  MemberStatus member(String name) {
    return pair().getMembersList().stream().filter(m -> m.getApplication().equals(name)).findFirst().orElseThrow();
  }

  HealthTimeline watchHealth() {
    HealthTimeline timeline = new HealthTimeline();
    statPorts.keySet().forEach(name -> timeline.watch(name, stat(name).channel(),
        () -> info(name).getServingChangesList()));
    await().atMost(WAIT).until(timeline::started);
    return timeline;
  }

  /** Log lines of a Stat Server that carry {@code eventId}. */
  List<String> logged(String member, String eventId) {
    return stat(member).logLines(" " + eventId + " ");
  }

  /** Each Stat Server's collections as its log has them (time of day, sizes, pause), under its name. */
  String collections() {
    StringBuilder text = new StringBuilder();
    for (String member : statPorts.keySet()) {
      text.append('\n').append(member).append(':');
      stat(member).logLines(ServiceJvm.GC_PAUSE).forEach(line -> text.append("\n  ").append(line));
    }
    return text.toString();
  }

  /** The last {@code lines} lines of every service's log, each under its name. */
  String logTails(int lines) {
    return stack.logTails(lines);
  }

  @Override
  public void close() throws Exception {
    stack.close();
  }
}
