package io.tandem.cli;

import io.tandem.cli.bench.BenchCommand;
import io.tandem.cli.config.ConfigCommand;
import io.tandem.cli.console.ConsoleCommand;
import io.tandem.cli.pair.EventsCommand;
import io.tandem.cli.pair.StatusCommand;
import io.tandem.cli.pki.PkiCommand;
import io.tandem.cli.pair.SwitchoverCommand;
import io.tandem.cli.stack.DownCommand;
import io.tandem.cli.stat.SimulateCommand;
import io.tandem.cli.stat.StatCommand;
import io.tandem.cli.stack.UpCommand;
import io.tandem.common.grpc.HealthCheckCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tandem}: the operator's command line. */
@Command(name = "tandem", mixinStandardHelpOptions = true, version = "tandem 0.1.0",
    description = "Operate a Tandem stack: a redundant Stat Server pair that never goes dark because of a configuration reload.",
    subcommands = {
        UpCommand.class,
        DownCommand.class,
        HealthCheckCommand.class,
        StatusCommand.class,
        EventsCommand.class,
        ConsoleCommand.class,
        SwitchoverCommand.class,
        ConfigCommand.class,
        StatCommand.class,
        SimulateCommand.class,
        BenchCommand.class,
        PkiCommand.class,
    })
public final class TandemCli implements Runnable {
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
    return CommandLines.execute(new TandemCli(), "tandem", args);
  }
}
