package io.tandem.bench;

import io.grpc.Deadline;
import io.grpc.stub.StreamObserver;
import io.tandem.common.security.AccessRule;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.ExpireHistoryRequest;
import io.tandem.protocol.options.OptionCatalogue;
import io.tandem.stat.v1.GetServerInfoRequest;
import io.tandem.stat.v1.GetStatisticRequest;
import io.tandem.stat.v1.ServerInfo;
import io.tandem.stat.v1.StatServiceGrpc;
import io.tandem.stat.v1.StatisticValue;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tandem bench reload-latency}: what a client calling as fast as it can sees of a reload while serving. */
@Command(name = "reload-latency", mixinStandardHelpOptions = true,
    description = {"A standalone Stat Server with serve-during-reload on (with Config Server and Management Layer) in",
        "this JVM holding AGENTS agents; a client keeps CONCURRENCY GetStatistic calls in flight on its port. First",
        "SECONDS with no reload, then the history is emptied RUNS times: the calls that started or ended while a",
        "reload ran (from the expiry to the swap seen) are measured apart. Last line:",
        "reload-latency: calls=N failed=N p50_ms=N p99_ms=N max_ms=N reload_ms=N"})
final class ReloadLatencyBench implements Callable<Integer> {
  private static final Duration CALL_DEADLINE = Duration.ofSeconds(2);

  @Mixin
  TransportOption transport;

  @Option(names = "--agents", defaultValue = "100000", description = "Agents (default ${DEFAULT-VALUE}).")
  int agents;

  @Option(names = "--concurrency", defaultValue = "32", description = "Calls in flight (default ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--runs", defaultValue = "10", description = "Measured reloads (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--warmup", defaultValue = "3", description = "Unmeasured reloads first (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--seconds", defaultValue = "10", description = "Measured seconds without a reload (default ${DEFAULT-VALUE}).")
  int seconds;

  /** Calls as fast as the server answers, CONCURRENCY in flight, until stopped; each recorded where it belongs. */
  private final class Caller {
    final AtomicBoolean reloading = new AtomicBoolean();
    final Recorder quiet = new Recorder(TimeUnit.SECONDS.toNanos(10), 3);
    final Recorder duringReload = new Recorder(TimeUnit.SECONDS.toNanos(10), 3);
    final AtomicLong failed = new AtomicLong();
    final AtomicLong failedDuringReload = new AtomicLong();
    final AtomicBoolean running = new AtomicBoolean(true);
    final AtomicBoolean measuring = new AtomicBoolean();
    final Semaphore inFlight = new Semaphore(concurrency);

    void run(StatServiceGrpc.StatServiceStub stub, List<GetStatisticRequest> requests) throws InterruptedException {
      for (long i = 0; running.get(); i++) {
        inFlight.acquire();
        boolean inReload = reloading.get();
        boolean measured = measuring.get();
        long start = System.nanoTime();
        stub.withDeadline(Deadline.after(CALL_DEADLINE.toNanos(), TimeUnit.NANOSECONDS))
            .getStatistic(requests.get((int) (i % requests.size())), new StreamObserver<StatisticValue>() {
              @Override
              public void onNext(StatisticValue value) {
                long nanos = System.nanoTime() - start;
                if (measured) {
                  // A call that started before the reload but ended in it felt the reload too.
                  (inReload || reloading.get() ? duringReload : quiet).recordValue(nanos);
                }
              }

              @Override
              public void onError(Throwable t) {
                if (measured) {
                  (inReload || reloading.get() ? failedDuringReload : failed).incrementAndGet();
                }
                inFlight.release();
              }

              @Override
              public void onCompleted() {
                inFlight.release();
              }
            });
      }
      inFlight.acquire(concurrency);
    }
  }

  @Override
  public Integer call() throws Exception {
    int groups = Math.max(1, agents / 100);
    try (BenchStack stack = BenchStack.start(transport.transport(), 1, List.of(),
        Map.of(OptionCatalogue.SERVE_DURING_RELOAD.key(), "true"), agents, groups, 100)) {
      var info = StatServiceGrpc.newBlockingStub(stack.toStatServer("Bench_A", AccessRule.OPERATOR));
      var configServer = ConfigServiceGrpc.newBlockingStub(stack.configChannel());
      StatServiceGrpc.StatServiceStub client = StatServiceGrpc.newStub(stack.toStatServer("Bench_A", AccessRule.CLIENT));
      List<GetStatisticRequest> requests = ThroughputBench.routingCalls(agents, groups);
      Caller caller = new Caller();
      Thread calling = new Thread(() -> {
        try {
          caller.run(client, requests);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "reload-latency client");
      calling.start();

      Samples reloads = new Samples();
      try {
        TimeUnit.SECONDS.sleep(2); // unmeasured: connections and the JIT warm up
        caller.measuring.set(true);
        TimeUnit.SECONDS.sleep(seconds);
        for (int run = 0; run < warmup + runs; run++) {
          caller.measuring.set(run >= warmup);
          long before = info.getServerInfo(GetServerInfoRequest.getDefaultInstance()).getReloadCount();
          caller.reloading.set(true);
          configServer.expireHistory(ExpireHistoryRequest.getDefaultInstance());
          Conditions.await("a reload", Duration.ofMinutes(1), Duration.ofMillis(5),
              () -> info.getServerInfo(GetServerInfoRequest.getDefaultInstance()).getReloadCount() > before);
          caller.reloading.set(false);
          ServerInfo after = info.getServerInfo(GetServerInfoRequest.getDefaultInstance());
          if (run >= warmup) {
            reloads.add(TimeUnit.MILLISECONDS.toNanos(after.getLastReloadMs()));
          }
          TimeUnit.MILLISECONDS.sleep(500); // calls between reloads: the quiet figures
        }
      } finally {
        caller.running.set(false);
        calling.join();
      }
      Histogram quiet = caller.quiet.getIntervalHistogram();
      Histogram during = caller.duringReload.getIntervalHistogram();
      System.out.printf("reload (%s): %s%n", "serve-during-reload", reloads.describe());
      System.out.println("no reload:   " + figures(quiet, caller.failed.get()));
      System.out.println("reloading:   " + figures(during, caller.failedDuringReload.get()));
      System.out.printf("reload-latency: %s reload_ms=%d%n", figures(during, caller.failedDuringReload.get()),
          Math.round(reloads.median()));
      return caller.failed.get() + caller.failedDuringReload.get() == 0 ? 0 : 1;
    }
  }

  private static String figures(Histogram histogram, long failed) {
    return String.format("calls=%d failed=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f", histogram.getTotalCount(), failed,
        histogram.getValueAtPercentile(50) / 1e6, histogram.getValueAtPercentile(99) / 1e6,
        histogram.getMaxValue() / 1e6);
  }
}
