package io.tandem.cli.bench;

import picocli.CommandLine.Command;

/** {@code tandem bench ...}: measurements (not tests) of the performance targets. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Benchmarks of the design's performance targets. Each runs the services it needs inside this JVM,",
        "on free loopback ports over real gRPC (Netty), and ends with one summary line."},
    subcommands = {
        SnapshotBench.class,
        SwitchoverBench.class,
        ThroughputBench.class,
        FeedBench.class,
        ReloadBench.class,
    })
public final class BenchCommand {
  private BenchCommand() {}
}
