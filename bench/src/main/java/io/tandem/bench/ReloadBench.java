package io.tandem.bench;

import io.tandem.common.security.AccessRule;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.ExpireHistoryRequest;
import io.tandem.stat.v1.GetServerInfoRequest;
import io.tandem.stat.v1.ServerInfo;
import io.tandem.stat.v1.StatServiceGrpc;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tandem bench reload}: a Stat Server's full configuration reload (normal mode). */
@Command(name = "reload", mixinStandardHelpOptions = true,
    description = {"A standalone Stat Server (with Config Server and Management Layer) in this JVM holding AGENTS agents;",
        "the Config Server's history is emptied RUNS times and each normal-mode reload (snapshot streamed, model built",
        "beside the old one, swapped in) is timed by the Stat Server itself. Last line: reload: objects=N median_ms=N"})
final class ReloadBench implements Callable<Integer> {
  @Mixin
  TransportOption transport;

  @Option(names = "--agents", defaultValue = "100000", description = "Agents (default ${DEFAULT-VALUE}).")
  int agents;

  @Option(names = "--runs", defaultValue = "10", description = "Measured reloads (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--warmup", defaultValue = "3", description = "Unmeasured reloads first (default ${DEFAULT-VALUE}).")
  int warmup;

  @Override
  public Integer call() throws Exception {
    try (BenchStack stack = BenchStack.start(transport.transport(), false, agents, Math.max(1, agents / 100), 100)) {
      var info = StatServiceGrpc.newBlockingStub(stack.toStatServer("Bench_A", AccessRule.OPERATOR));
      var configServer = ConfigServiceGrpc.newBlockingStub(stack.configChannel());
      Samples samples = new Samples();
      long objects = 0;
      for (int run = 0; run < warmup + runs; run++) {
        long before = info.getServerInfo(GetServerInfoRequest.getDefaultInstance()).getReloadCount();
        configServer.expireHistory(ExpireHistoryRequest.getDefaultInstance());
        Conditions.await("a reload", Duration.ofMinutes(1), Duration.ofMillis(10), () -> {
          ServerInfo now = info.getServerInfo(GetServerInfoRequest.getDefaultInstance());
          return now.getReloadCount() > before && now.getServing();
        });
        ServerInfo after = info.getServerInfo(GetServerInfoRequest.getDefaultInstance());
        objects = after.getObjects();
        if (run >= warmup) {
          samples.add(TimeUnit.MILLISECONDS.toNanos(after.getLastReloadMs()));
        }
      }
      System.out.println("normal-mode reload (not serving meanwhile): " + samples.describe());
      System.out.printf("reload: objects=%d median_ms=%d%n", objects, Math.round(samples.median()));
      return 0;
    }
  }
}
