package io.tandem.cli.bench;

import io.tandem.cli.Directories;
import io.tandem.cli.Endpoint;
import io.tandem.common.bootstrap.RunningService;
import io.tandem.common.bootstrap.ServiceRunner;
import io.tandem.common.grpc.HostPort;
import io.tandem.config.v1.Application;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ApplyObjectsRequest;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.OptionSection;
import io.tandem.configserver.ConfigServerModule;
import io.tandem.configserver.ConfigServerSettings;
import io.tandem.management.ManagementLayerModule;
import io.tandem.management.ManagementSettings;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.GetPairsRequest;
import io.tandem.management.v1.ManagementServiceGrpc;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.PairStatus;
import io.tandem.management.v1.SwitchoverResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem bench switchover}: SERVICE_UNAVAILABLE from the primary to both new modes acknowledged. */
@Command(name = "switchover", mixinStandardHelpOptions = true,
    description = {"A Config Server and a Management Layer with a pair of supervised applications that obey at once;",
        "the primary reports SERVICE_UNAVAILABLE, RUNS times. Measures from the report to both new modes acknowledged.",
        "Last line: switchover: median_ms=N p99_ms=N"})
final class SwitchoverBench implements Callable<Integer> {
  @Option(names = "--runs", defaultValue = "200", description = "Measured switchovers (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--warmup", defaultValue = "50", description = "Unmeasured switchovers first (default ${DEFAULT-VALUE}).")
  int warmup;

  private static ConfigObject app(String name, ApplicationType type, String backup, OptionSection management) {
    Application.Builder app = Application.newBuilder().setAppType(type).setHost("localhost").setBackup(backup);
    if (management != null) {
      app.putOptions("management", management);
    }
    return ConfigObject.newBuilder().setType(ObjectType.APPLICATION).setName(name).setApplication(app).build();
  }

  @Override
  public Integer call() throws Exception {
    Path dataDir = Files.createTempDirectory("tandem-bench-switchover");
    try (RunningService config = ServiceRunner.start("config-server", 0,
        new ConfigServerModule(new ConfigServerSettings(dataDir, null, false, "confserv", false)));
         Endpoint configEndpoint = new Endpoint(HostPort.local(config.port()))) {
      ConfigServiceGrpc.newBlockingStub(configEndpoint.channel()).applyObjects(ApplyObjectsRequest.newBuilder()
          .addObjects(app("MgmtLayer", ApplicationType.MANAGEMENT_LAYER, "", OptionSection.newBuilder()
              .putValues("flapping-threshold", "1000").build()))
          .addObjects(app("Bench_A", ApplicationType.STAT_SERVER, "Bench_B", null))
          .addObjects(app("Bench_B", ApplicationType.STAT_SERVER, "", null))
          .build());
      try (RunningService ml = ServiceRunner.start("management-layer", 0, new ManagementLayerModule(
          new ManagementSettings(HostPort.local(config.port()), "MgmtLayer")));
           Endpoint mlEndpoint = new Endpoint(HostPort.local(ml.port()));
           SupervisedMember a = new SupervisedMember(mlEndpoint.channel(), "Bench_A");
           SupervisedMember b = new SupervisedMember(mlEndpoint.channel(), "Bench_B")) {
        ManagementServiceGrpc.ManagementServiceBlockingStub management =
            ManagementServiceGrpc.newBlockingStub(mlEndpoint.channel());
        awaitPair(management);
        a.start();
        b.start();
        CompletableFuture<Long> first = a.expectCommand();
        a.reportAndWait(AppStatus.RUNNING);
        first.get(10, TimeUnit.SECONDS);
        CompletableFuture<Long> second = b.expectCommand();
        b.reportAndWait(AppStatus.RUNNING);
        second.get(10, TimeUnit.SECONDS);

        Samples samples = new Samples();
        for (int run = 0; run < warmup + runs; run++) {
          SupervisedMember primary = a.mode() == Mode.PRIMARY ? a : b;
          SupervisedMember backup = primary == a ? b : a;
          backup.reportAndWait(AppStatus.RUNNING);
          CompletableFuture<Long> toPrimary = backup.expectCommand();
          CompletableFuture<Long> toBackup = primary.expectCommand();
          long start = System.nanoTime();
          primary.report(AppStatus.SERVICE_UNAVAILABLE);
          long end = Math.max(toPrimary.get(10, TimeUnit.SECONDS), toBackup.get(10, TimeUnit.SECONDS));
          if (run >= warmup) {
            samples.add(end - start);
          }
          awaitDone(management, backup.name);
        }
        System.out.println("SERVICE_UNAVAILABLE to both modes acknowledged: " + samples.describe());
        System.out.printf("switchover: median_ms=%.2f p99_ms=%.2f%n", samples.median(), samples.percentile(99));
        return 0;
      }
    } finally {
      Directories.deleteRecursively(dataDir);
    }
  }

  private static void awaitPair(ManagementServiceGrpc.ManagementServiceBlockingStub management) throws InterruptedException {
    Conditions.await("the Management Layer seeing the pair Bench_A/Bench_B", Duration.ofSeconds(10), Duration.ofMillis(50),
        () -> management.getPairs(GetPairsRequest.getDefaultInstance()).getPairsList().stream()
            .anyMatch(p -> p.getMembersCount() == 2));
  }

  /** Until the Management Layer has recorded the switchover as DONE with {@code newPrimary} primary. */
  private static void awaitDone(ManagementServiceGrpc.ManagementServiceBlockingStub management, String newPrimary)
      throws InterruptedException {
    Conditions.await("the switchover to " + newPrimary + " recorded as DONE", Duration.ofSeconds(10), Duration.ofMillis(1),
        () -> {
          PairStatus pair = management.getPairs(GetPairsRequest.getDefaultInstance()).getPairs(0);
          return pair.getLastSwitchover().getResult() == SwitchoverResult.DONE
              && pair.getLastSwitchover().getToPrimary().equals(newPrimary)
              && pair.getMembersList().stream().allMatch(m -> m.getModeAcknowledged());
        });
  }
}
