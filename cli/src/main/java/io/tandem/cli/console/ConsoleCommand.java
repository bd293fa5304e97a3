package io.tandem.cli.console;

import io.tandem.cli.pair.ConfigServersOption;
import io.tandem.cli.pair.EtcdOption;
import io.tandem.cli.pair.ManagementOption;
import io.tandem.common.security.TlsFlags;
import java.io.IOException;
import java.net.BindException;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tandem console}: a web page on this machine's loopback interface showing the pairs, a
 * timeline of the last hour and the configuration's servers, updated live. It calls the services
 * as the operator, with the certificates the other commands use: the services expose nothing new.
 */
@Command(name = "console", mixinStandardHelpOptions = true,
    description = "Serve the operator's console on 127.0.0.1: every pair (members, modes, serving, reloads), a timeline"
        + " of the last hour (reloads, protected mode, switchovers, dark spans), the Config Servers and etcd members, and"
        + " a switchover button per pair. Prints the URL to open, with a token drawn for this run; runs until interrupted.")
public final class ConsoleCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  ManagementOption management;

  @Mixin
  TlsFlags tls;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "8088",
      description = "The port on 127.0.0.1 to serve the console on (default ${DEFAULT-VALUE}; 0: any free port).")
  int port;

  @Mixin
  ConfigServersOption configServers;

  @Mixin
  EtcdOption etcd;

  @Override
  public Integer call() throws Exception {
    if (port < 0 || port > 65_535) {
      throw new ParameterException(spec.commandLine(), "--port: " + port + " is not a port (0 to 65535)");
    }
    tls.forCommand(io.tandem.common.security.AccessRule.OPERATOR).close(); // unusable certificates fail here, named
    CountDownLatch stopped = new CountDownLatch(1);
    try (ConsoleFeed feed = new ConsoleFeed(management, tls, configServers.addresses(), configServers.identity(),
            etcd.endpoints());
        ConsoleServer server = bind(feed)) {
      Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "console-stop"));
      System.out.println("Tandem console: open " + server.url());
      System.out.println("(on 127.0.0.1 only; the token is this run's. Stop with Ctrl-C.)");
      System.out.flush();
      do {
        try {
          feed.refresh();
        } catch (RuntimeException e) {
          System.err.println("tandem console: gathering the state failed, trying again in a second: " + e);
        }
      } while (!stopped.await(1, TimeUnit.SECONDS));
      return 0;
    }
  }

  private ConsoleServer bind(ConsoleFeed feed) throws IOException {
    try {
      return new ConsoleServer(feed, port);
    } catch (BindException e) {
      throw new ParameterException(spec.commandLine(),
          "--port: 127.0.0.1:" + port + " cannot be bound (" + e.getMessage() + "); choose another with --port");
    }
  }
}
