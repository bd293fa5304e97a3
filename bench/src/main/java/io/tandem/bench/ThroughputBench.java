package io.tandem.bench;

import io.tandem.cli.config.ContactCenterGenerator;
import io.tandem.client.WarmStandbyClient;
import io.tandem.common.security.AccessRule;
import io.tandem.config.v1.ObjectType;
import io.tandem.stat.v1.GetStatisticRequest;
import io.tandem.stat.v1.StatObject;
import io.tandem.stat.v1.StatisticSpec;
import io.tandem.stat.v1.StatisticType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tandem bench throughput}: GetStatistic through the warm-standby client. */
@Command(name = "throughput", mixinStandardHelpOptions = true,
    description = {"A Stat Server pair (with Config Server and Management Layer) in this JVM; a routing client keeps",
        "CONCURRENCY GetStatistic calls in flight through the warm-standby client for SECONDS and measures each call.",
        "Last line: throughput: get_per_s=N p99_ms=N"})
final class ThroughputBench implements Callable<Integer> {
  @Mixin
  TransportOption transport;

  @Option(names = "--concurrency", defaultValue = "32", description = "Calls in flight (default ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--seconds", defaultValue = "20", description = "Measured seconds (default ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--warmup-s", defaultValue = "5", description = "Unmeasured seconds first (default ${DEFAULT-VALUE}).")
  int warmupSeconds;

  @Option(names = "--agents", defaultValue = "10000", description = "Agents in the configuration (default ${DEFAULT-VALUE}).")
  int agents;

  @Override
  public Integer call() throws Exception {
    int groups = Math.max(1, agents / 100);
    try (BenchStack stack = BenchStack.start(transport.transport(), true, agents, groups, 10);
         WarmStandbyClient client = new WarmStandbyClient(stack.clientPort("Bench_A"), stack.clientPort("Bench_B"),
             stack.security(AccessRule.CLIENT))) {
      List<GetStatisticRequest> requests = routingCalls(agents, groups);
      Recorder latencies = new Recorder(TimeUnit.SECONDS.toNanos(10), 3);
      AtomicLong measured = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      Semaphore inFlight = new Semaphore(concurrency);
      long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
      long end = warmupEnd + TimeUnit.SECONDS.toNanos(seconds);
      for (long i = 0; System.nanoTime() < end; i++) {
        inFlight.acquire();
        long start = System.nanoTime();
        var unused = client.getStatisticAsync(requests.get((int) (i % requests.size())), Duration.ofSeconds(2))
            .whenComplete((value, error) -> {
              long done = System.nanoTime();
              if (error != null) {
                failed.incrementAndGet();
              } else if (start >= warmupEnd && done <= end) {
                latencies.recordValue(done - start);
                measured.incrementAndGet();
              }
              inFlight.release();
            });
      }
      inFlight.acquire(concurrency);
      var histogram = latencies.getIntervalHistogram();
      double perSecond = measured.get() / (double) seconds;
      double p99 = histogram.getValueAtPercentile(99) / 1e6;
      System.out.printf("%d in flight, %d s: %d calls, %d failed; p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
          concurrency, seconds, measured.get(), failed.get(), histogram.getValueAtPercentile(50) / 1e6, p99,
          histogram.getMaxValue() / 1e6);
      System.out.printf("throughput: get_per_s=%.0f p99_ms=%.2f%n", perSecond, p99);
      return failed.get() == 0 ? 0 : 1;
    }
  }

  /** What a routing client asks, in turn: every group's ready agents, then the first 1,000 agents' states. */
  static List<GetStatisticRequest> routingCalls(int agents, int groups) {
    List<GetStatisticRequest> requests = new ArrayList<>();
    for (int g = 1; g <= groups; g++) {
      requests.add(request(ObjectType.AGENT_GROUP, ContactCenterGenerator.groupName(g), StatisticType.CURRENT_READY_AGENTS));
    }
    for (int a = 1; a <= Math.min(agents, 1000); a++) {
      requests.add(request(ObjectType.AGENT, ContactCenterGenerator.agentName(a), StatisticType.CURRENT_AGENT_STATE));
    }
    return requests;
  }

  private static GetStatisticRequest request(ObjectType type, String name, StatisticType statistic) {
    return GetStatisticRequest.newBuilder().setSpec(StatisticSpec.newBuilder()
        .setObject(StatObject.newBuilder().setType(type).setName(name)).setStatistic(statistic)).build();
  }
}
