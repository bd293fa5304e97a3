package io.tandem.cli.pki;

import io.tandem.cli.config.SampleConfiguration;
import io.tandem.common.config.ConfigYaml;
import io.tandem.common.security.AccessRule;
import io.tandem.common.security.ServerIdentity;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import io.tandem.pki.PkiDirectory;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tandem pki}: the certificates of an installation. */
@Command(name = "pki", mixinStandardHelpOptions = true,
    description = "Certificates for mutual TLS between Tandem's services, the operator and routing clients.",
    subcommands = PkiCommand.InitCommand.class)
public final class PkiCommand implements Runnable {
  /**
   * The services of {@code docker-compose.yml}, by the names they reach each other at: what
   * {@code --compose} adds to every service certificate, and what the stack's {@code pki} job asks for.
   */
  public static final List<String> COMPOSE_HOSTS = List.of("config-server", "management-layer", "statserver-a",
      "statserver-b");

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /**
   * A certificate authority and, from it, a certificate per application in {@code applications}
   * plus {@code operator} and {@code client}; what exists is kept unless {@code renew}.
   */
  public static PkiDirectory.InitResult init(Path directory, List<String> applications, List<String> hosts, boolean renew)
      throws IOException {
    return new PkiDirectory(directory, Clock.systemUTC())
        .init(applications, List.of(AccessRule.OPERATOR, AccessRule.CLIENT, AccessRule.MONITOR), hosts, renew);
  }

  /** {@code tandem pki init DIR}. */
  @Command(name = "init", mixinStandardHelpOptions = true,
      description = {"Create DIR/ca.crt (and its key) and DIR/NAME.crt + DIR/NAME.key (PEM, PKCS#8) for every Application",
          "in the configuration, etcd (the members of an etcd cluster the Config Servers use), operator and client. Existing files are kept unless --renew; run it again after adding",
          "applications. Services re-read their files within 5 s, so --renew rotates certificates without a restart."})
  public static final class InitCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "Directory of the certificates (created 0700).")
    Path directory;

    @Option(names = "--config", paramLabel = "FILE",
        description = "Configuration YAML whose Applications get certificates (default: the sample contact center of tandem up).")
    Path config;

    @Option(names = "--app", paramLabel = "NAME", description = "An application to give a certificate to as well (repeatable).")
    List<String> apps = new ArrayList<>();

    @Option(names = "--host", paramLabel = "HOST",
        description = {"A DNS name or IP address every service certificate names too (repeatable): where clients reach",
            "the services, e.g. container names. localhost, 127.0.0.1 and ::1 are always named."})
    List<String> hosts = new ArrayList<>();

    @Option(names = "--compose", description = {"Name the hosts of docker-compose.yml's services too (config-server,",
        "management-layer, statserver-a, statserver-b), as its pki job does: run in .tandem/pki before `docker-compose up`,",
        "it leaves that job nothing to replace, and the files are yours rather than the containers' root's."})
    boolean compose;

    @Option(names = "--renew", description = "Issue new certificates for identities that have one (same authority).")
    boolean renew;

    @Override
    public Integer call() throws IOException {
      List<ConfigObject> objects;
      if (config == null) {
        objects = SampleConfiguration.objects();
      } else {
        try (Reader reader = Files.newBufferedReader(config)) {
          objects = ConfigYaml.read(reader, config.toString());
        }
      }
      List<String> applications = new ArrayList<>(objects.stream()
          .filter(o -> o.getType() == ObjectType.APPLICATION).map(ConfigObject::getName).toList());
      apps.stream().filter(app -> !applications.contains(app)).forEach(applications::add);
      if (!applications.contains(ServerIdentity.ETCD)) {
        applications.add(ServerIdentity.ETCD); // tandem up --etcd, or etcd members of one's own
      }
      List<String> allHosts = new ArrayList<>(hosts);
      if (compose) {
        COMPOSE_HOSTS.stream().filter(host -> !allHosts.contains(host)).forEach(allHosts::add);
      }
      PkiDirectory.InitResult result;
      try {
        result = init(directory, applications, allHosts, renew);
      } catch (IllegalArgumentException e) {
        System.err.println("tandem: " + e.getMessage());
        return 1;
      }
      System.out.println((result.authorityCreated() ? "created " : "kept    ") + directory.resolve("ca.crt")
          + " (certificate authority)");
      result.issued().forEach(name -> System.out.println("issued  " + directory.resolve(name + ".crt")));
      result.kept().forEach(name -> System.out.println("kept    " + directory.resolve(name + ".crt")));
      return 0;
    }
  }
}
