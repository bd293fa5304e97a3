package io.tandem.management;

import io.tandem.common.bootstrap.ServiceCommand;
import io.tandem.common.bootstrap.ServiceMain;
import io.tandem.common.grpc.HostPortConverter;
import io.tandem.management.settings.ManagementSettings;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.security.ServerIdentity;
import io.tandem.etcd.EtcdOptions;
import io.tandem.etcd.EtcdSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code java -jar tandem-management-layer-all.jar --port 2030 --config-server HOST:PORT}. */
@Command(name = "management-layer", mixinStandardHelpOptions = true,
    description = "Tandem Management Layer stand-in: supervision, primary/backup modes, switchover, failover.")
public final class ManagementLayerMain extends ServiceMain {
  static final String SERVICE = "management-layer";

  @Option(names = "--port", defaultValue = "2030", description = "Port to listen on (default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--config-server", defaultValue = "localhost:2020", converter = HostPortConverter.class, split = ",",
      paramLabel = "HOST:PORT[,HOST:PORT...]",
      description = "Configuration Server address, or its replicas over one etcd store: a broken session is restored"
          + " on the next (default ${DEFAULT-VALUE}).")
  List<HostPort> configServers;

  @Option(names = "--config-server-identity", paramLabel = "NAME", defaultValue = ServerIdentity.CONFIG_SERVER,
      description = "The application whose certificate the Config Server must present (default ${DEFAULT-VALUE}).")
  String configServerIdentity;

  @Option(names = "--data-dir", defaultValue = "management-data", paramLabel = "DIR",
      description = "Where the epoch ledger is kept: the highest epoch issued, so a restart issues only higher ones,"
          + " whatever the clock says (default ${DEFAULT-VALUE}).")
  Path dataDir;

  @Mixin
  EtcdOptions etcd;

  @Option(names = "--advertise", converter = HostPortConverter.class, paramLabel = "HOST:PORT",
      description = "With --etcd-endpoints: the address clients reach this Management Layer at, which the others name"
          + " while it leads (default: this host's name and --port).")
  HostPort advertise;

  @Spec
  CommandSpec spec;

  @Option(names = "--app", defaultValue = "MgmtLayer",
      description = "Name of this Management Layer's Application object (default ${DEFAULT-VALUE}).")
  String app;

  @Override
  public String service() {
    return SERVICE;
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public ManagementLayerModule module() {
    EtcdSettings etcdSettings;
    try {
      etcdSettings = etcd.settings().orElse(null);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    HostPort address = advertise != null ? advertise : etcdSettings == null ? HostPort.local(port) : thisHost();
    return new ManagementLayerModule(new ManagementSettings(configServers, app, ServerIdentity.of(configServerIdentity),
        dataDir, etcdSettings, address));
  }

  private HostPort thisHost() {
    try {
      return new HostPort(InetAddress.getLocalHost().getHostName(), port);
    } catch (UnknownHostException e) {
      throw new ParameterException(spec.commandLine(), "--advertise: this host's name does not resolve (" + e.getMessage()
          + "): give the address clients reach this Management Layer at");
    }
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new ManagementLayerMain()).execute(args));
  }

  /** This service in the caller's JVM, with the same flags. */
  public static final class Launcher extends ServiceCommand.Launcher {
    public Launcher() {
      super(ManagementLayerMain::new);
    }
  }
}
