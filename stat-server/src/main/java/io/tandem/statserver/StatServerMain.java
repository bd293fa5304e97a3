package io.tandem.statserver;

import io.tandem.common.bootstrap.ServiceRunner;
import io.tandem.common.grpc.HostPort;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar tandem-stat-server-all.jar --app StatServer_A --port 2040}. */
@Command(name = "stat-server", mixinStandardHelpOptions = true,
    description = "Tandem Stat Server: live contact-center statistics, normal and protected configuration reloads.")
public final class StatServerMain implements Callable<Integer> {
  @Option(names = "--app", required = true, description = "Name of this Stat Server's Application object.")
  String app;

  @Option(names = "--port", defaultValue = "2040", description = "Client port (default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--config-server", defaultValue = "localhost:2020", converter = HostPort.Converter.class,
      description = "Configuration Server address (default ${DEFAULT-VALUE}).")
  HostPort configServer;

  @Option(names = "--management", defaultValue = "localhost:2030", converter = HostPort.Converter.class,
      description = "Management Layer address (default ${DEFAULT-VALUE}).")
  HostPort management;

  @Override
  public Integer call() {
    return ServiceRunner.runUntilStopped("stat-server", port, new StatServerModule(new StatServerSettings(app, port, configServer, management)));
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new StatServerMain()).execute(args));
  }
}
