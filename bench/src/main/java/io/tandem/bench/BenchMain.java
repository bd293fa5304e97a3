package io.tandem.bench;

import io.tandem.cli.CommandLines;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tandem bench ...}: measurements (not tests) of the performance targets. */
@Command(name = "tandem bench", mixinStandardHelpOptions = true,
    description = {"Benchmarks of the performance targets. Each runs the services it needs inside this JVM,",
        "on free loopback ports over real gRPC (Netty), and ends with one summary line."},
    subcommands = {
        SnapshotBench.class,
        StoreBench.class,
        SwitchoverBench.class,
        ThroughputBench.class,
        FeedBench.class,
        ReloadBench.class,
        ReloadLatencyBench.class,
        ReloadUnderFeedBench.class,
    })
public final class BenchMain implements Runnable {
  @CommandLine.Mixin
  CommandLines.Verbose verbose;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(CommandLines.execute(new BenchMain(), "tandem bench", args));
  }
}
