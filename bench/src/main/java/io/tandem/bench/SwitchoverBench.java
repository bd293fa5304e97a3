package io.tandem.bench;

import io.tandem.cli.link.Endpoint;
import io.tandem.common.config.Applications;
import io.tandem.common.security.AccessRule;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ConfigObject;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.GetPairsRequest;
import io.tandem.management.v1.ManagementServiceGrpc;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.PairStatus;
import io.tandem.management.v1.SwitchoverResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tandem bench switchover}: SERVICE_UNAVAILABLE from the primary to both new modes acknowledged. */
@Command(name = "switchover", mixinStandardHelpOptions = true,
    description = {"A Config Server and a Management Layer with a pair of supervised applications that obey at once;",
        "the primary reports SERVICE_UNAVAILABLE, RUNS times. Measures from the report to both new modes acknowledged.",
        "Last line: switchover: median_ms=N p99_ms=N"})
final class SwitchoverBench implements Callable<Integer> {
  @Mixin
  TransportOption transport;

  @Option(names = "--runs", defaultValue = "200", description = "Measured switchovers (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--warmup", defaultValue = "50", description = "Unmeasured switchovers first (default ${DEFAULT-VALUE}).")
  int warmup;

  @Override
  public Integer call() throws Exception {
    List<ConfigObject> pair = List.of(
        Applications.of("Bench_A", ApplicationType.STAT_SERVER).backup("Bench_B").build(),
        Applications.of("Bench_B", ApplicationType.STAT_SERVER).build());
    try (BenchStack stack = BenchStack.start(transport.transport(), 0, pair, 0, 0, 0);
         SupervisedMember a = new SupervisedMember(stack.toManagement("Bench_A"), "Bench_A");
         SupervisedMember b = new SupervisedMember(stack.toManagement("Bench_B"), "Bench_B")) {
      ManagementServiceGrpc.ManagementServiceBlockingStub management =
          ManagementServiceGrpc.newBlockingStub(stack.toManagement(AccessRule.OPERATOR));
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
