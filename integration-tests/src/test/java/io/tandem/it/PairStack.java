package io.tandem.it;

import static org.awaitility.Awaitility.await;

import io.tandem.cli.config.ContactCenterGenerator;
import io.tandem.common.config.ConfigYaml;
import io.tandem.config.v1.Application;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.OptionSection;
import io.tandem.config.v1.SetOptionRequest;
import io.tandem.management.v1.GetPairsRequest;
import io.tandem.management.v1.ManagementServiceGrpc;
import io.tandem.management.v1.MemberStatus;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.PairStatus;
import io.tandem.stat.v1.GetServerInfoRequest;
import io.tandem.stat.v1.ServerInfo;
import io.tandem.stat.v1.StatServiceGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole Tandem stack as real processes from the runnable jars, on free ports: a Config Server,
 * a Management Layer and a Stat Server pair {@code StatServer_A} (backup {@code StatServer_B}),
 * or a standalone {@code StatServer_A}.
 */
final class PairStack implements AutoCloseable {
  static final String A = "StatServer_A";
  static final String B = "StatServer_B";
  static final Duration WAIT = Duration.ofSeconds(90);

  /** How the pair is configured. */
  record Setup(boolean pair, String delayA, String delayB, String acceptA, String acceptB, int agents, int groups) {
    static Setup pair(String delay, String accept) {
      return new Setup(true, delay, delay, accept, accept, 200, 4);
    }

    Setup withAgents(int count, int groupCount) {
      return new Setup(pair, delayA, delayB, acceptA, acceptB, count, groupCount);
    }

    Setup withAcceptB(String value) {
      return new Setup(pair, delayA, delayB, acceptA, value, agents, groups);
    }

    static Setup standalone() {
      return new Setup(false, "true", "true", "yes", "yes", 200, 4);
    }
  }

  final Path dir;
  final int configPort = FreePorts.next();
  final int managementPort = FreePorts.next();
  final Map<String, Integer> statPorts = new LinkedHashMap<>();
  final Setup setup;
  ServiceProcess config;
  ServiceProcess management;
  final Map<String, ServiceProcess> stats = new LinkedHashMap<>();

  PairStack(Path dir, Setup setup) throws IOException {
    this.dir = dir;
    this.setup = setup;
    statPorts.put(A, FreePorts.next());
    if (setup.pair()) {
      statPorts.put(B, FreePorts.next());
    }
    Files.writeString(dir.resolve("bootstrap.yaml"), ConfigYaml.write(configuration()));
  }

  private List<ConfigObject> configuration() {
    List<ConfigObject> objects = new ArrayList<>();
    objects.add(app("confserv", ApplicationType.CONFIG_SERVER, "", configPort,
        Map.of("confserv", Map.of("progress-interval", "200"))));
    objects.add(app("MgmtLayer", ApplicationType.MANAGEMENT_LAYER, "", managementPort,
        Map.of("management", Map.of("disconnect-switchover-timeout", "2s", "switchover-timeout", "5s"))));
    objects.add(app(A, ApplicationType.STAT_SERVER, setup.pair() ? B : "", statPorts.get(A),
        Map.of("statserver", Map.of("config-reload-delay-if-primary", setup.delayA(),
            "accept-clients-in-backup-mode", setup.acceptA(), "backup-check-interval", "100"))));
    if (setup.pair()) {
      objects.add(app(B, ApplicationType.STAT_SERVER, "", statPorts.get(B),
          Map.of("statserver", Map.of("config-reload-delay-if-primary", setup.delayB(),
              "accept-clients-in-backup-mode", setup.acceptB(), "backup-check-interval", "100"))));
    }
    objects.addAll(ContactCenterGenerator.generate(setup.agents(), setup.groups(), 3));
    return objects;
  }

  private static ConfigObject app(String name, ApplicationType type, String backup, int port,
      Map<String, Map<String, String>> options) {
    Application.Builder app = Application.newBuilder().setAppType(type).setHost("localhost").setClientPort(port)
        .setBackup(backup);
    options.forEach((section, values) -> app.putOptions(section, OptionSection.newBuilder().putAllValues(values).build()));
    return ConfigObject.newBuilder().setType(ObjectType.APPLICATION).setName(name).setApplication(app).build();
  }

  /** Starts everything and waits until the pair has its modes and serves. */
  PairStack start() throws IOException {
    startConfigServer(false);
    startManagementLayer();
    for (String name : statPorts.keySet()) {
      stats.put(name, statServer(name).start());
    }
    awaitModesAcknowledged();
    stats.get(primary()).awaitServing();
    return this;
  }

  void startManagementLayer() throws IOException {
    management = new ServiceProcess("management-layer", Jars.managementLayer(), managementPort, dir,
        List.of("--port", "" + managementPort, "--config-server", "localhost:" + configPort)).startServing();
  }

  ServiceProcess statServer(String name) {
    int port = statPorts.get(name);
    return new ServiceProcess(name, Jars.statServer(), port, dir, List.of("--app", name, "--port", "" + port,
        "--config-server", "localhost:" + configPort, "--management", "localhost:" + managementPort));
  }

  void startConfigServer(boolean emptyHistory) throws IOException {
    List<String> args = new ArrayList<>(List.of("--port", "" + configPort, "--data-dir", dir.resolve("config-data").toString(),
        "--bootstrap", dir.resolve("bootstrap.yaml").toString(), "--no-fsync"));
    if (emptyHistory) {
      args.add("--empty-history");
    }
    // Reading a 100,000-agent bootstrap file needs more than the default heap.
    config = new ServiceProcess("config-server", Jars.configServer(), configPort, dir, args).heap("-Xmx768m")
        .startServing();
  }

  /** Restarts the Config Server; with {@code emptyHistory} every session becomes unrestorable. */
  void restartConfigServer(boolean emptyHistory) throws Exception {
    config.close();
    startConfigServer(emptyHistory);
  }

  void awaitModesAcknowledged() {
    await("modes assigned and acknowledged").atMost(WAIT).until(() -> {
      List<MemberStatus> members = pair().getMembersList();
      return members.size() == statPorts.size()
          && members.stream().allMatch(m -> m.getMode() != Mode.MODE_UNSPECIFIED && m.getModeAcknowledged());
    });
  }

  PairStatus pair() {
    return ManagementServiceGrpc.newBlockingStub(management.channel()).getPairs(GetPairsRequest.getDefaultInstance())
        .getPairsList().stream().filter(p -> p.getMembersList().stream().anyMatch(m -> m.getApplication().equals(A)))
        .findFirst().orElse(PairStatus.getDefaultInstance());
  }

  /** The member the Management Layer has as primary. */
  String primary() {
    return pair().getMembersList().stream().filter(m -> m.getMode() == Mode.PRIMARY).map(MemberStatus::getApplication)
        .findFirst().orElseThrow();
  }

  String other(String member) {
    return member.equals(A) ? B : A;
  }

  ServerInfo info(String member) {
    return StatServiceGrpc.newBlockingStub(stats.get(member).channel()).getServerInfo(GetServerInfoRequest.getDefaultInstance());
  }

  void setOption(String application, String key, String value) {
    ConfigServiceGrpc.newBlockingStub(config.channel()).setOption(SetOptionRequest.newBuilder()
        .setApplication(application).setSection("statserver").setKey(key).setValue(value).build());
  }

  HealthTimeline watchHealth() {
    HealthTimeline timeline = new HealthTimeline();
    stats.forEach((name, process) -> timeline.watch(name, process.channel()));
    await().atMost(WAIT).until(timeline::started);
    return timeline;
  }

  /** Log lines of a Stat Server that carry {@code eventId}. */
  List<String> logged(String member, String eventId) {
    return stats.get(member).logLines(" " + eventId + " ");
  }

  /** The last {@code lines} lines of every service's log, each under its name. */
  String logTails(int lines) {
    List<ServiceProcess> all = new ArrayList<>();
    if (config != null) {
      all.add(config);
    }
    if (management != null) {
      all.add(management);
    }
    all.addAll(stats.values());
    StringBuilder text = new StringBuilder();
    for (ServiceProcess process : all) {
      List<String> log = process.logText().lines().toList();
      text.append("---- ").append(process.name()).append(" (last ").append(Math.min(lines, log.size()))
          .append(" of ").append(log.size()).append(" lines)\n");
      log.subList(Math.max(0, log.size() - lines), log.size()).forEach(line -> text.append(line).append('\n'));
    }
    return text.toString();
  }

  @Override
  public void close() throws Exception {
    for (ServiceProcess stat : stats.values()) {
      stat.close();
    }
    if (management != null) {
      management.close();
    }
    if (config != null) {
      config.close();
    }
  }
}
