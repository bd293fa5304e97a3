package io.tandem.statserver;

import io.tandem.common.bootstrap.ServerSecurity;
import io.tandem.common.bootstrap.ServiceCommand;
import io.tandem.common.bootstrap.ServiceMain;
import io.tandem.common.grpc.HostPortConverter;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TransportSecurity;
import io.tandem.statserver.settings.StatServerSettings;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar tandem-stat-server-all.jar --app StatServer_A --port 2040 --tls-ca … --tls-cert … --tls-key …}. */
@Command(name = "stat-server", mixinStandardHelpOptions = true,
    description = "Tandem Stat Server: live contact-center statistics, normal and protected configuration reloads.")
public final class StatServerMain extends ServiceMain {
  static final String SERVICE = "stat-server";

  @Option(names = "--app", required = true, description = "Name of this Stat Server's Application object.")
  String app;

  @Option(names = "--port", defaultValue = "2040", description = "Client port (default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--config-server", defaultValue = "localhost:2020", converter = HostPortConverter.class, split = ",",
      paramLabel = "HOST:PORT[,HOST:PORT...]",
      description = "Configuration Server address, or its replicas over one etcd store: a broken session is restored"
          + " on the next (default ${DEFAULT-VALUE}).")
  List<HostPort> configServers;

  @Option(names = "--management", defaultValue = "localhost:2030", converter = HostPortConverter.class, split = ",",
      paramLabel = "HOST:PORT[,HOST:PORT...]",
      description = "Management Layer address, or the addresses of several of which one leads: supervision moves to the"
          + " next when one answers UNAVAILABLE (default ${DEFAULT-VALUE}).")
  List<HostPort> management;

  @Option(names = "--config-server-identity", paramLabel = "NAME", defaultValue = ServerIdentity.CONFIG_SERVER,
      description = "The application whose certificate the Config Server must present (default ${DEFAULT-VALUE}).")
  String configServerIdentity;

  @Option(names = "--management-identity", paramLabel = "NAME", defaultValue = ServerIdentity.MANAGEMENT_LAYER,
      description = "The application whose certificate the Management Layer must present (default ${DEFAULT-VALUE}).")
  String managementIdentity;

  @Override
  public String service() {
    return SERVICE;
  }

  @Override
  public int port() {
    return port;
  }

  /** A Stat Server's certificate must be its application's: it supervises and probes as that identity. */
  @Override
  public ServerSecurity security() {
    ServerSecurity security = super.security();
    TransportSecurity transport = security.transport();
    if (!transport.isPlaintext() && !transport.identity().equals(app)) {
      transport.close();
      throw new CommandLine.ParameterException(new CommandLine(this), "--tls-cert " + tls.certificate()
          + " is the certificate of '" + transport.identity() + "', not of --app " + app);
    }
    return security;
  }

  @Override
  public StatServerModule module() {
    return new StatServerModule(new StatServerSettings(app, port, configServers, management,
        ServerIdentity.of(configServerIdentity), ServerIdentity.of(managementIdentity)));
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new StatServerMain()).execute(args));
  }

  /** This service in the caller's JVM, with the same flags. */
  public static final class Launcher extends ServiceCommand.Launcher {
    public Launcher() {
      super(StatServerMain::new);
    }
  }
}
