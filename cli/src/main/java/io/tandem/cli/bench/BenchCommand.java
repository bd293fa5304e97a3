package io.tandem.cli.bench;

import io.tandem.cli.home.TandemHome;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code tandem bench ...}: runs the benchmarks' own jar ({@code bench} module), which carries the
 * services they start in-process; the command line itself carries no server.
 */
@Command(name = "bench",
    description = {"Benchmarks of the performance targets (snapshot, switchover, throughput, feed, reload, ...).",
        "Runs bench/target/tandem-bench-*-all.jar with the same arguments; `tandem bench --help` lists them.",
        "JVM flags: TANDEM_BENCH_JAVA_OPTS."})
public final class BenchCommand implements Callable<Integer> {
  @Unmatched
  List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    String opts = System.getenv().getOrDefault("TANDEM_BENCH_JAVA_OPTS", "");
    Arrays.stream(opts.trim().split("\\s+")).filter(s -> !s.isEmpty()).forEach(command::add);
    command.add("-jar");
    command.add(TandemHome.fromEnvironment().jar("bench").toString());
    command.addAll(args);
    return new ProcessBuilder(command).inheritIO().start().waitFor();
  }
}
