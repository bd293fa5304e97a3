package io.tandem.bench;

import io.grpc.ManagedChannel;
import io.tandem.cli.home.Directories;
import io.tandem.cli.config.ConfigLoader;
import io.tandem.cli.config.ContactCenterGenerator;
import io.tandem.common.config.Applications;
import io.tandem.common.grpc.Channels;
import io.tandem.protocol.link.HostPort;
import io.tandem.protocol.options.OptionCatalogue;
import io.tandem.client.WarmStandbyClient;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TransportSecurity;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.common.process.FreePorts;
import io.tandem.testing.Launch;
import io.tandem.testing.MiniStack;
import io.tandem.testing.Service;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The services a benchmark needs inside its own JVM, over loopback Netty and mutual TLS (or
 * plaintext, to compare): a Config Server (with a generated contact center), and as asked a
 * Management Layer and one or two Stat Servers.
 */
final class BenchStack implements AutoCloseable {
  static final String CONFIG_SERVER = "config-server";
  static final String MANAGEMENT = "management-layer";

  private final Path dir;
  private final MiniStack stack;
  final Map<String, HostPort> statServers = new LinkedHashMap<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private HostPort configServer;
  private HostPort management;

  private BenchStack(Path dir, MiniStack.Transport transport) {
    this.dir = dir;
    this.stack = new MiniStack(dir, MiniStack.Mode.IN_JVM, transport);
  }

  /**
   * A Config Server, a Management Layer and {@code statServers} (0, 1 standalone, or 2 as a pair)
   * Stat Servers, every one serving, with {@code applications} and a generated contact center.
   */
  static BenchStack start(MiniStack.Transport transport, int statServers, List<ConfigObject> applications, int agents,
      int groups, int queues) throws Exception {
    return start(transport, statServers, applications, Map.of(), agents, groups, queues);
  }

  /** As {@link #start(MiniStack.Transport, int, List, int, int, int)}, each Stat Server with {@code statServerOptions}. */
  static BenchStack start(MiniStack.Transport transport, int statServers, List<ConfigObject> applications,
      Map<String, String> statServerOptions, int agents, int groups, int queues) throws Exception {
    BenchStack stack = new BenchStack(Files.createTempDirectory("tandem-bench"), transport);
    try {
      stack.startAll(statServers, applications, statServerOptions, agents, groups, queues);
      return stack;
    } catch (Exception e) {
      stack.close();
      throw e;
    }
  }

  /** A Config Server, a Management Layer and a standalone Stat Server ({@code pair}: two, as a pair). */
  static BenchStack start(MiniStack.Transport transport, boolean pair, int agents, int groups, int queues)
      throws Exception {
    return start(transport, pair ? 2 : 1, List.of(), agents, groups, queues);
  }

  /** A Config Server only, empty. */
  static BenchStack configServerOnly(MiniStack.Transport transport) throws Exception {
    BenchStack stack = new BenchStack(Files.createTempDirectory("tandem-bench"), transport);
    try {
      stack.startConfigServer();
      return stack;
    } catch (Exception e) {
      stack.close();
      throw e;
    }
  }

  private void startConfigServer() throws Exception {
    int port = FreePorts.next();
    stack.start(Launch.of(Service.CONFIG_SERVER, CONFIG_SERVER, port, List.of("--port", "" + port,
        "--data-dir", dir.resolve("config-data").toString(), "--no-fsync")));
    configServer = HostPort.local(port);
  }

  private void startAll(int statCount, List<ConfigObject> applications, Map<String, String> statServerOptions,
      int agents, int groups, int queues) throws Exception {
    startConfigServer();
    List<String> names = statCount == 0 ? List.of() : statCount == 1 ? List.of("Bench_A") : List.of("Bench_A", "Bench_B");
    names.forEach(name -> statServers.put(name, HostPort.local(FreePorts.next())));
    List<ConfigObject> objects = new ArrayList<>(applications);
    objects.add(Applications.of("MgmtLayer", ApplicationType.MANAGEMENT_LAYER)
        .option("management", "flapping-threshold", "1000").build());
    for (String name : names) {
      Applications app = Applications.of(name, ApplicationType.STAT_SERVER).port(statServers.get(name).port())
          .options(OptionCatalogue.STATSERVER, statServerOptions);
      if (name.equals("Bench_A") && statCount == 2) {
        app.backup("Bench_B");
      }
      objects.add(app.build());
    }
    objects.addAll(ContactCenterGenerator.generate(agents, groups, queues));
    ConfigLoader.apply(ConfigServiceGrpc.newBlockingStub(stack.member(CONFIG_SERVER).channel())
        .withDeadlineAfter(5, TimeUnit.MINUTES), objects);
    int managementPort = FreePorts.next();
    stack.start(Launch.of(Service.MANAGEMENT_LAYER, MANAGEMENT, managementPort, List.of("--port", "" + managementPort,
        "--config-server", configServer.toString(), "--data-dir", dir.resolve("management-data").toString())));
    management = HostPort.local(managementPort);
    for (Map.Entry<String, HostPort> entry : statServers.entrySet()) {
      stack.start(Launch.of(Service.STAT_SERVER, entry.getKey(), entry.getValue().port(), List.of(
          "--app", entry.getKey(), "--port", "" + entry.getValue().port(),
          "--config-server", configServer.toString(), "--management", management.toString())));
    }
  }

  HostPort configServer() {
    return configServer;
  }

  HostPort management() {
    return management;
  }

  /** A channel to the Config Server as the operator, closed with the stack. */
  ManagedChannel configChannel() {
    return stack.member(CONFIG_SERVER).channel();
  }

  /** Calls as {@code identity} ("client", "operator", an application): closed with the stack. */
  TransportSecurity security(String identity) {
    return stack.security(identity);
  }

  /**
   * A channel to {@code server} at {@code address} as {@code identity}, closed with the stack; its
   * callbacks run on the transport threads (the benchmarks' callbacks never block; blocking stubs
   * work as usual).
   */
  private ManagedChannel channel(HostPort address, String server, String identity) {
    ManagedChannel channel = Channels.openForNonBlockingCallbacks(address, ServerIdentity.of(server),
        stack.security(identity));
    channels.add(channel);
    return channel;
  }

  /** A channel to Stat Server {@code name} as {@code identity}, as {@link #channel}. */
  ManagedChannel toStatServer(String name, String identity) {
    return channel(statServers.get(name), name, identity);
  }

  /** A channel to the Management Layer as {@code identity}, as {@link #channel}. */
  ManagedChannel toManagement(String identity) {
    return channel(management, ServerIdentity.MANAGEMENT_LAYER, identity);
  }

  /** Stat Server {@code name} as a warm-standby client finds it. */
  WarmStandbyClient.Member clientPort(String name) {
    return new WarmStandbyClient.Member(name, statServers.get(name));
  }

  @Override
  public void close() throws Exception {
    try {
      channels.forEach(channel -> Channels.close(channel, Duration.ofSeconds(2)));
      stack.close();
    } finally {
      Directories.deleteRecursively(dir);
    }
  }
}
