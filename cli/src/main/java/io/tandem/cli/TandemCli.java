package io.tandem.cli;

import ch.qos.logback.classic.Level;
import io.grpc.StatusRuntimeException;
import io.tandem.cli.bench.BenchCommand;
import io.tandem.cli.config.ConfigCommand;
import io.tandem.cli.pair.StatusCommand;
import io.tandem.cli.pair.SwitchoverCommand;
import io.tandem.cli.stack.DownCommand;
import io.tandem.cli.stat.SimulateCommand;
import io.tandem.cli.stat.StatCommand;
import io.tandem.cli.stack.UpCommand;
import io.tandem.common.grpc.HealthCheckCommand;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem}: the operator's command line. */
@Command(name = "tandem", mixinStandardHelpOptions = true, version = "tandem 0.1.0",
    description = "Operate a Tandem stack: a redundant Stat Server pair that never goes dark because of a configuration reload.",
    subcommands = {
        UpCommand.class,
        DownCommand.class,
        HealthCheckCommand.class,
        StatusCommand.class,
        SwitchoverCommand.class,
        ConfigCommand.class,
        StatCommand.class,
        SimulateCommand.class,
        BenchCommand.class,
    })
public final class TandemCli implements Runnable {
  @Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT,
      description = "Show the log of services the command runs in-process (benchmarks).")
  void verbose(boolean on) {
    rootLogger().setLevel(on ? Level.INFO : Level.WARN);
  }

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs {@code tandem ARGS} and returns the exit code: 0 done, 1 failed, 2 bad usage. */
  public static int execute(String... args) {
    rootLogger().setLevel(Level.WARN);
    return new CommandLine(new TandemCli())
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          cmd.getErr().println("tandem: " + describe(e));
          return 1;
        })
        .execute(args);
  }

  private static String describe(Exception e) {
    if (e instanceof StatusRuntimeException sre) {
      String description = sre.getStatus().getDescription();
      return sre.getStatus().getCode() + (description == null ? "" : ": " + description);
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  private static ch.qos.logback.classic.Logger rootLogger() {
    return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
  }
}
