package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.tandem.cli.TandemCli;
import io.tandem.cli.pki.PkiCommand;
import io.tandem.cli.config.SampleConfiguration;
import io.tandem.common.bootstrap.ServiceLauncher;
import io.tandem.common.config.ConfigYaml;
import io.tandem.common.process.ServiceProcess;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import io.tandem.configserver.ConfigServerMain;
import io.tandem.management.ManagementLayerMain;
import io.tandem.statserver.StatServerMain;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import picocli.CommandLine;

/**
 * {@code docker-compose.yml} checked offline, as {@code docker-compose config} would and further:
 * every image's build context holds its module's runnable jar and nothing else under the classic
 * builder's {@code .dockerignore} rules (run after the jars are built, so the module folders hold
 * their real {@code target/}); every service's command is flags its own {@code main} accepts;
 * services reach each other by compose name, the configuration names those hosts and the
 * certificates do too; every port a service listens on is published; the health check reads the
 * status file the service writes; the images give each JVM the flags {@code tandem up} gives it.
 */
class ComposeFileTest {
  private static final Path HOME = Jars.home();
  /** Compose service to the module its image is built from, and the main that reads its command. */
  private static final Map<String, String> MODULES = Map.of("pki", "cli", "config-server", "config-server-stub",
      "management-layer", "management-layer", "statserver-a", "stat-server", "statserver-b", "stat-server");
  private static final Map<String, Supplier<Object>> MAINS = Map.of("cli", TandemCli::new,
      "config-server-stub", ConfigServerMain::new, "management-layer", ManagementLayerMain::new,
      "stat-server", StatServerMain::new);
  /** Each Application of the configuration to the compose service that runs it (and names its host). */
  private static final Map<String, String> HOST_OF = Map.of("confserv", "config-server", "MgmtLayer", "management-layer",
      "StatServer_A", "statserver-a", "StatServer_B", "statserver-b");

  @SuppressWarnings("unchecked")
  private static Map<String, Object> compose() throws Exception {
    try (Reader reader = Files.newBufferedReader(HOME.resolve("docker-compose.yml"))) {
      return (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
    }
  }

  /** Tandem's own services: those every `up` starts (no profile). */
  private static Map<String, Map<String, Object>> services() throws Exception {
    Map<String, Map<String, Object>> own = new java.util.LinkedHashMap<>(allServices());
    own.values().removeIf(service -> service.containsKey("profiles"));
    return own;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> allServices() throws Exception {
    return (Map<String, Map<String, Object>>) compose().get("services");
  }

  /** Where each volume of {@code service} comes from on this side, by its path in the container. */
  private static Map<String, Path> mounts(Map<String, Object> service) {
    Map<String, Path> mounts = new java.util.TreeMap<>();
    for (Object volume : (List<?>) service.get("volumes")) {
      String[] parts = ((String) volume).split(":", -1);
      mounts.put(parts[1], HOME.resolve(parts[0]).normalize());
    }
    return mounts;
  }

  @Test
  @SuppressWarnings("unchecked")
  void theMonitoringProfileScrapesEveryServiceWithTheMonitorKeyOnlyAndLoadsTheRulesAndTheDashboard() throws Exception {
    Map<String, Map<String, Object>> all = allServices();
    Map<String, Object> prometheus = all.get("prometheus");
    Map<String, Object> grafana = all.get("grafana");
    assertThat(prometheus.get("profiles")).isEqualTo(List.of("monitoring"));
    assertThat(grafana.get("profiles")).isEqualTo(List.of("monitoring"));
    Path pki = HOME.resolve(".tandem/pki");
    Map<String, Path> mounted = mounts(prometheus);
    assertThat(mounted.values().stream().filter(path -> path.startsWith(pki)).toList())
        .as("the keys Prometheus holds: the authority's certificate and the monitor pair, no other")
        .containsExactlyInAnyOrder(pki.resolve("ca.crt"), pki.resolve("monitor.crt"), pki.resolve("monitor.key"));
    assertThat(mounted).containsEntry("/etc/prometheus/tandem-rules.yml",
        HOME.resolve("ops/prometheus/tandem-rules.yml"));

    Map<String, Object> config;
    try (Reader reader = Files.newBufferedReader(mounted.get("/etc/prometheus/prometheus.yml"))) {
      config = (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
    }
    assertThat((List<String>) config.get("rule_files")).containsExactly("/etc/prometheus/tandem-rules.yml");
    Map<String, Object> job = ((List<Map<String, Object>>) config.get("scrape_configs")).get(0);
    assertThat(job.get("scheme")).isEqualTo("https");
    Map<String, Object> tls = (Map<String, Object>) job.get("tls_config");
    assertThat(List.of(tls.get("ca_file"), tls.get("cert_file"), tls.get("key_file"))).as("files it mounts")
        .allMatch(mounted::containsKey);
    List<String> targets = new ArrayList<>();
    for (Map<String, Object> group : (List<Map<String, Object>>) job.get("static_configs")) {
      targets.addAll((List<String>) group.get("targets"));
    }
    List<String> metricsPorts = new ArrayList<>();
    for (var entry : services().entrySet()) {
      String port = flag(command(entry.getValue()), "--metrics-port");
      if (port != null) {
        metricsPorts.add(entry.getKey() + ":" + port);
      }
    }
    assertThat(targets).as("every service's metrics port, by compose name").containsExactlyInAnyOrderElementsOf(metricsPorts);

    assertThat(mounts(grafana)).containsEntry("/var/lib/grafana/dashboards/tandem.json",
        HOME.resolve("ops/grafana/tandem.json"));
  }

  @SuppressWarnings("unchecked")
  private static List<String> command(Map<String, Object> service) {
    return (List<String>) service.get("command");
  }

  private static String flag(List<String> command, String flag) {
    int at = command.indexOf(flag);
    return at < 0 ? null : command.get(at + 1);
  }

  @Test
  void everyImageIsBuiltFromItsModuleFolderAndItsContextHoldsOnlyItsJar() throws Exception {
    for (var entry : services().entrySet()) {
      @SuppressWarnings("unchecked")
      Map<String, Object> build = (Map<String, Object>) entry.getValue().get("build");
      String module = MODULES.get(entry.getKey());
      assertThat(build).as(entry.getKey() + " build").isNotNull();
      Path context = HOME.resolve((String) build.get("context")).normalize();
      assertThat(context).as(entry.getKey() + " context").isEqualTo(HOME.resolve(module));
      assertThat(context.resolve((String) build.get("dockerfile")).normalize()).isRegularFile();
      @SuppressWarnings("unchecked")
      Map<String, String> args = (Map<String, String>) build.get("args");
      assertThat(args.get("MODULE")).isEqualTo(module);

      List<String> sent = DockerContext.of(context).filesSent(context);
      assertThat(sent).as(module + "'s build context").singleElement().asString()
          .matches("target/tandem-" + module + "-[^/]+-all\\.jar");
      try (Stream<Path> built = Files.list(context.resolve("target"))) {
        assertThat(built.count()).as("there was more to leave out").isGreaterThan(1);
      }
    }
  }

  @Test
  void theRulesAreTheClassicBuildersAWildcardFolderInAnExceptionLetsNothingThrough() {
    Path context = HOME;
    assertThat(new DockerContext(List.of("*", "!*/target/tandem-*-all.jar")).filesSent(context)).isEmpty();
    assertThat(new DockerContext(List.of("*", "!stat-server/target/tandem-stat-server-*-all.jar")).filesSent(context))
        .singleElement().asString().startsWith("stat-server/target/tandem-stat-server-");
    assertThat(new DockerContext(List.of("**/*.jar", "!stat-server/**")).excluded("cli/target/x.jar")).isTrue();
    assertThat(new DockerContext(List.of("**/*.jar", "!stat-server/**")).excluded("stat-server/target/x.jar")).isFalse();
  }

  @Test
  void everyServicesCommandIsFlagsItsOwnMainAccepts() throws Exception {
    for (var entry : services().entrySet()) {
      Object main = MAINS.get(MODULES.get(entry.getKey())).get();
      List<String> command = command(entry.getValue());
      assertThatCode(() -> {
        if (main instanceof TandemCli) {
          new CommandLine(main).parseArgs(command.toArray(String[]::new));
        } else {
          ServiceLauncher.parseFlags(main, command);
        }
      }).as(entry.getKey() + " " + command).doesNotThrowAnyException();
    }
  }

  @Test
  void servicesFindEachOtherByNameAndTheConfigurationAndCertificatesNameTheSameHosts() throws Exception {
    Map<String, Map<String, Object>> services = services();
    for (var entry : services.entrySet()) {
      assertThat(entry.getValue()).as(entry.getKey() + " has its own network").doesNotContainKey("network_mode");
      List<String> command = command(entry.getValue());
      for (String link : new String[] {"--config-server", "--management"}) {
        String address = flag(command, link);
        if (address != null) {
          assertThat(services).as(entry.getKey() + " " + link + " " + address)
              .containsKey(address.substring(0, address.indexOf(':')));
        }
      }
    }

    List<ConfigObject> compose;
    Path file = HOME.resolve("docker/compose-contact-center.yaml");
    try (Reader reader = Files.newBufferedReader(file)) {
      compose = ConfigYaml.read(reader, file.toString());
    }
    List<ConfigObject> expected = new ArrayList<>();
    for (ConfigObject object : SampleConfiguration.objects()) {
      expected.add(object.getType() != ObjectType.APPLICATION ? object : object.toBuilder()
          .setApplication(object.getApplication().toBuilder().setHost(HOST_OF.get(object.getName()))).build());
    }
    assertThat(compose).as("the sample with each Application's host its compose service").isEqualTo(expected);
    assertThat(compose).filteredOn(o -> o.getType() == ObjectType.APPLICATION
            && o.getApplication().getAppType() == ApplicationType.STAT_SERVER)
        .as("both Stat Servers reload in protected mode, their backup serving meanwhile").hasSize(2)
        .allSatisfy(o -> assertThat(o.getApplication().getOptionsMap().get("statserver").getValuesMap())
            .containsEntry("config-reload-delay-if-primary", "true").containsEntry("accept-clients-in-backup-mode", "yes"));

    assertThat(command(services.get("pki"))).as("the pki job names the compose hosts").contains("--compose")
        .doesNotContain("--host");
    assertThat(PkiCommand.COMPOSE_HOSTS).as("the hosts --compose names").containsExactlyInAnyOrderElementsOf(HOST_OF.values());
  }

  /** A service's bind mounts of files from the installation's certificate directory: container path to host file. */
  @SuppressWarnings("unchecked")
  private static Map<String, Path> certificateMounts(String name, Map<String, Object> service) {
    Path pki = HOME.resolve(".tandem/pki");
    Map<String, Path> mounts = new java.util.TreeMap<>();
    for (Object volume : (List<Object>) service.getOrDefault("volumes", List.of())) {
      assertThat(volume).as(name + " volume (short syntax: the same in compose v1 and v2)").isInstanceOf(String.class);
      String[] parts = ((String) volume).split(":", -1);
      if (!parts[0].startsWith(".")) {
        continue;
      }
      Path source = HOME.resolve(parts[0]).normalize();
      if (source.startsWith(pki)) {
        assertThat(parts).as(name + " mounts " + volume + " read-only").hasSize(3);
        assertThat(parts[2]).as(name + " mounts " + volume + " read-only").isEqualTo("ro");
        mounts.put(parts[1], source);
      }
    }
    assertThat(service).as(name + ": certificates are bind mounts, not secrets").doesNotContainKey("secrets");
    return mounts;
  }

  @Test
  void eachServiceContainerHoldsTheAuthorityCertificateAndItsOwnKeyPairOnly() throws Exception {
    Path pki = HOME.resolve(".tandem/pki");
    for (var entry : services().entrySet()) {
      if (entry.getKey().equals("pki")) {
        continue;
      }
      List<String> command = command(entry.getValue());
      Map<String, Path> mounts = certificateMounts(entry.getKey(), entry.getValue());
      String certificate = flag(command, "--tls-cert");
      String identity = Path.of(certificate).getFileName().toString().replaceFirst("\\.crt$", "");
      assertThat(HOST_OF).as(entry.getKey() + " presents its own application's certificate")
          .containsEntry(identity, entry.getKey());
      assertThat(mounts).as(entry.getKey() + " mounts from .tandem/pki exactly ca.crt, " + identity + ".crt and "
          + identity + ".key, file by file, at the paths its --tls-* flags name (not the directory, which holds"
          + " every private key and ca.key)").isEqualTo(Map.of(
              flag(command, "--tls-ca"), pki.resolve("ca.crt"),
              certificate, pki.resolve(identity + ".crt"),
              flag(command, "--tls-key"), pki.resolve(identity + ".key")));
    }
    Map<String, Path> job = new java.util.TreeMap<>();
    for (Object volume : (List<?>) services().get("pki").get("volumes")) {
      String[] parts = ((String) volume).split(":", -1);
      job.put(parts[1], HOME.resolve(parts[0]).normalize());
    }
    assertThat(job).as("the one-shot pki job writes the directory (it needs ca.key)").containsEntry("/pki", pki);
  }

  /** Every file of {@code directory} by name, its contents in Base64. */
  private static Map<String, String> contents(Path directory) throws Exception {
    Map<String, String> files = new java.util.TreeMap<>();
    try (var listing = Files.list(directory)) {
      for (Path file : listing.toList()) {
        files.put(file.getFileName().toString(), java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(file)));
      }
    }
    return files;
  }

  @Test
  void afterPkiInitWithComposeTheComposeJobFindsNothingToReplace(@TempDir Path dir) throws Exception {
    Path pki = dir.resolve("pki");
    assertThat(new CommandLine(new TandemCli()).execute("pki", "init", pki.toString(), "--compose")).isZero();
    Map<String, String> before = contents(pki);

    // The job's command as it runs in its container, each mounted path replaced by the file on this side.
    Map<String, Object> job = services().get("pki");
    Map<String, String> mounted = new java.util.HashMap<>();
    for (Object volume : (List<?>) job.get("volumes")) {
      String[] parts = ((String) volume).split(":", -1);
      mounted.put(parts[1], HOME.resolve(parts[0]).normalize().startsWith(HOME.resolve(".tandem/pki"))
          ? pki.toString() : HOME.resolve(parts[0]).normalize().toString());
    }
    String[] command = command(job).stream().map(arg -> mounted.getOrDefault(arg, arg)).toArray(String[]::new);
    assertThat(new CommandLine(new TandemCli()).execute(command)).isZero();

    Map<String, String> after = contents(pki);
    assertThat(after.keySet()).isEqualTo(before.keySet());
    assertThat(before.keySet().stream().filter(file -> !before.get(file).equals(after.get(file))).toList())
        .as("files the compose job replaced after `tandem pki init DIR --compose`").isEmpty();
  }

  @Test
  void everyPortIsPublishedAndTheHealthCheckReadsTheStatusFileTheServiceWrites() throws Exception {
    for (var entry : services().entrySet()) {
      if (entry.getKey().equals("pki")) {
        continue;
      }
      List<String> command = command(entry.getValue());
      @SuppressWarnings("unchecked")
      List<String> ports = (List<String>) entry.getValue().get("ports");
      for (String flag : new String[] {"--port", "--metrics-port"}) {
        String port = flag(command, flag);
        assertThat(ports).as(entry.getKey() + " publishes " + flag).contains(port + ":" + port);
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> health = (Map<String, Object>) entry.getValue().get("healthcheck");
      @SuppressWarnings("unchecked")
      List<String> test = (List<String>) health.get("test");
      assertThat(String.join(" ", test)).as(entry.getKey() + " health check")
          .contains("f=" + flag(command, "--status-file") + ";", "healthy=yes").doesNotContain("java");
      assertThat(entry.getValue().get("restart")).isEqualTo("unless-stopped");
    }
  }

  @Test
  void theImagesStartEveryServiceWithTheJvmFlagsTandemUpGivesItsProcesses() throws Exception {
    String javaOpts = Files.readAllLines(HOME.resolve("docker/Dockerfile")).stream()
        .filter(line -> line.startsWith("ENV JAVA_OPTS=")).findFirst().orElseThrow()
        .replaceFirst("^ENV JAVA_OPTS=\"", "").replaceFirst("\"$", "");
    assertThat(List.of(javaOpts.split(" "))).as("the Dockerfile's JAVA_OPTS")
        .containsSubsequence(ServiceProcess.DEFAULT_JVM_OPTIONS);
  }
}
