package io.tandem.cli.bench;

import io.tandem.cli.Directories;
import io.tandem.cli.config.ConfigLoader;
import io.tandem.cli.config.ContactCenterGenerator;
import io.tandem.common.bootstrap.HealthState;
import io.tandem.common.bootstrap.RunningService;
import io.tandem.common.bootstrap.ServiceRunner;
import io.tandem.common.grpc.Channels;
import io.tandem.common.grpc.HostPort;
import io.tandem.config.v1.Application;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.OptionSection;
import io.tandem.configserver.ConfigServerModule;
import io.tandem.configserver.ConfigServerSettings;
import io.tandem.management.ManagementLayerModule;
import io.tandem.management.ManagementSettings;
import io.tandem.statserver.StatServerModule;
import io.tandem.statserver.StatServerSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A whole stack inside the benchmark's JVM, over loopback Netty: Config Server (with a generated
 * contact center), Management Layer, and one or two Stat Servers. Services log at WARN unless
 * {@code -v}.
 */
final class BenchStack implements AutoCloseable {
  private final Path dataDir;
  private final List<RunningService> services = new ArrayList<>();
  final Map<String, HostPort> statServers = new LinkedHashMap<>();
  private int configPort;

  private BenchStack(Path dataDir) {
    this.dataDir = dataDir;
  }

  /**
   * Starts everything and waits until every Stat Server serves.
   *
   * @param pair two Stat Servers (a pair) instead of one standalone
   */
  static BenchStack start(boolean pair, int agents, int groups, int queues) throws Exception {
    BenchStack stack = new BenchStack(Files.createTempDirectory("tandem-bench"));
    try {
      stack.startAll(pair, agents, groups, queues);
      return stack;
    } catch (Exception e) {
      stack.close();
      throw e;
    }
  }

  private void startAll(boolean pair, int agents, int groups, int queues) throws Exception {
    RunningService config = add(ServiceRunner.start("config-server", 0,
        new ConfigServerModule(new ConfigServerSettings(dataDir, null, false, "confserv", false))));
    configPort = config.port();
    statServers.put("Bench_A", HostPort.local(freePort()));
    if (pair) {
      statServers.put("Bench_B", HostPort.local(freePort()));
    }
    List<ConfigObject> objects = new ArrayList<>();
    objects.add(app("MgmtLayer", ApplicationType.MANAGEMENT_LAYER, "", 0, Map.of("flapping-threshold", "1000")));
    objects.add(app("Bench_A", ApplicationType.STAT_SERVER, pair ? "Bench_B" : "", statServers.get("Bench_A").port(),
        Map.of()));
    if (pair) {
      objects.add(app("Bench_B", ApplicationType.STAT_SERVER, "", statServers.get("Bench_B").port(), Map.of()));
    }
    objects.addAll(ContactCenterGenerator.generate(agents, groups, queues));
    var channel = Channels.open(HostPort.local(config.port()));
    try {
      ConfigLoader.apply(ConfigServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.MINUTES), objects);
    } finally {
      Channels.close(channel, Duration.ofSeconds(1));
    }
    RunningService ml = add(ServiceRunner.start("management-layer", 0, new ManagementLayerModule(
        new ManagementSettings(HostPort.local(config.port()), "MgmtLayer"))));
    List<RunningService> stats = new ArrayList<>();
    for (Map.Entry<String, HostPort> entry : statServers.entrySet()) {
      stats.add(add(ServiceRunner.start("stat-server", entry.getValue().port(), new StatServerModule(
          new StatServerSettings(entry.getKey(), entry.getValue().port(), HostPort.local(config.port()),
              HostPort.local(ml.port()))))));
    }
    Conditions.await("the Stat Servers serving", Duration.ofMinutes(2), Duration.ofMillis(50),
        () -> stats.stream().allMatch(s -> s.get(HealthState.class).serving()));
  }

  private static ConfigObject app(String name, ApplicationType type, String backup, int port, Map<String, String> management) {
    Application.Builder app = Application.newBuilder().setAppType(type).setHost("localhost").setClientPort(port)
        .setBackup(backup);
    if (!management.isEmpty()) {
      app.putOptions("management", OptionSection.newBuilder().putAllValues(management).build());
    }
    return ConfigObject.newBuilder().setType(ObjectType.APPLICATION).setName(name).setApplication(app).build();
  }

  int configPort() {
    return configPort;
  }

  private RunningService add(RunningService service) {
    services.add(service);
    return service;
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws IOException {
    for (int i = services.size() - 1; i >= 0; i--) {
      services.get(i).close();
    }
    Directories.deleteRecursively(dataDir);
  }
}
