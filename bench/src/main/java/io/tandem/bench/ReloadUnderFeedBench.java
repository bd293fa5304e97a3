package io.tandem.bench;

import io.grpc.ManagedChannel;
import io.tandem.cli.stat.SimulatedFeed;
import io.tandem.client.FeedPublisher;
import io.tandem.client.WarmStandbyClient;
import io.tandem.common.concurrent.Scheduled;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.security.AccessRule;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.ExpireHistoryRequest;
import io.tandem.config.v1.SetOptionRequest;
import io.tandem.stat.v1.GetServerInfoRequest;
import io.tandem.stat.v1.ProducerProgress;
import io.tandem.stat.v1.ReloadMode;
import io.tandem.stat.v1.ServerInfo;
import io.tandem.stat.v1.StatServiceGrpc;
import io.tandem.testing.LinkProxy;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tandem bench reload-under-feed}: a producer feeds a Stat Server pair as fast as it takes
 * the events while the pair reloads (the backup in normal mode, the primary in protected mode
 * with a switchover) and one member's feed connection is cut and healed; then the two members'
 * per-producer figures are compared with what was sent.
 */
@Command(name = "reload-under-feed", mixinStandardHelpOptions = true,
    description = {"A Stat Server pair (with Config Server and Management Layer) in this JVM holding AGENTS agents;",
        "a producer feeds both members as fast as they take it while the history expires (backup: normal reload,",
        "primary: protected mode, switchover, reload) and member B's feed connection is cut and healed.",
        "Last line: reload-under-feed: events_sent=N applied_a=N applied_b=N lost=0 heap_max_mb=N"})
final class ReloadUnderFeedBench implements Callable<Integer> {
  @Mixin
  TransportOption transport;

  private static final String PRODUCER = "bench-producer";

  @Option(names = "--agents", defaultValue = "100000", description = "Agents (default ${DEFAULT-VALUE}).")
  int agents;

  @Option(names = "--batch", defaultValue = "500", description = "Events per Feed message (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Override
  public Integer call() throws Exception {
    HeapWatch heap = new HeapWatch();
    AtomicBoolean producing = new AtomicBoolean(true);
    ExecutorService producer = Executors.newSingleThreadExecutor();
    try (BenchStack stack = BenchStack.start(transport.transport(), true, agents, Math.max(1, agents / 100), 10);
         LinkProxy linkToB = new LinkProxy(stack.statServers.get("Bench_B").port());
         WarmStandbyClient client = new WarmStandbyClient(stack.clientPort("Bench_A"),
             new WarmStandbyClient.Member("Bench_B", HostPort.local(linkToB.port())),
             stack.security(AccessRule.CLIENT));
         FeedPublisher feed = client.feed(PRODUCER, 16L * 1024 * 1024, Duration.ofMinutes(5))) {
      ManagedChannel a = stack.toStatServer("Bench_A", AccessRule.OPERATOR);
      ManagedChannel b = stack.toStatServer("Bench_B", AccessRule.OPERATOR);
      var config = ConfigServiceGrpc.newBlockingStub(stack.configChannel());
      for (String member : List.of("Bench_A", "Bench_B")) {
        config.setOption(SetOptionRequest.newBuilder().setApplication(member).setSection("statserver")
            .setKey("config-reload-delay-if-primary").setValue("true").build());
      }
      SimulatedFeed events = new SimulatedFeed(Math.min(agents, 10_000), 10, 200_000, batchSize, 1,
          System.currentTimeMillis());
      Future<Long> sent = producer.submit(() -> {
        while (producing.get()) {
          feed.publish(events.next());
        }
        return events.events();
      });
      Conditions.await("the feed reaching both members", Duration.ofMinutes(2), Duration.ofMillis(20),
          () -> applied(a).getEvents() > 20_000 && applied(b).getEvents() > 20_000);

      long begin = System.nanoTime();
      config.expireHistory(ExpireHistoryRequest.getDefaultInstance());
      Conditions.await("a protected primary", Duration.ofMinutes(2), Duration.ofMillis(5),
          () -> info(a).getReloadMode() == ReloadMode.PROTECTED || info(b).getReloadMode() == ReloadMode.PROTECTED);
      linkToB.cut();
      Conditions.await("the backup reloaded", Duration.ofMinutes(2), Duration.ofMillis(10),
          () -> info(a).getReloadCount() + info(b).getReloadCount() >= 1);
      linkToB.heal();
      Conditions.await("both reloaded and serving", Duration.ofMinutes(5), Duration.ofMillis(10),
          () -> info(a).getReloadCount() == 1 && info(b).getReloadCount() == 1 && info(a).getServing()
              && info(b).getServing());
      long reloadedMs = (System.nanoTime() - begin) / 1_000_000;

      producing.set(false);
      long total = sent.get(5, TimeUnit.MINUTES);
      feed.finish().get(5, TimeUnit.MINUTES);
      long appliedA = applied(a).getEvents();
      long appliedB = applied(b).getEvents();
      long lost = Math.max(total - appliedA, total - appliedB);
      System.out.printf("%d events fed in all; both members reloaded meanwhile (%d ms, B's feed cut and healed); A applied %d,"
          + " B applied %d; largest heap in use %d MB (the whole stack, one JVM)%n", total, reloadedMs, appliedA,
          appliedB, heap.maxMb());
      System.out.printf("reload-under-feed: events_sent=%d applied_a=%d applied_b=%d lost=%d heap_max_mb=%d%n", total,
          appliedA, appliedB, lost, heap.maxMb());
      return lost == 0 && appliedA == appliedB ? 0 : 1;
    } finally {
      producing.set(false);
      producer.shutdownNow();
      heap.close();
    }
  }

  private static ServerInfo info(ManagedChannel member) {
    return StatServiceGrpc.newBlockingStub(member).withDeadlineAfter(10, TimeUnit.SECONDS)
        .getServerInfo(GetServerInfoRequest.getDefaultInstance());
  }

  private static ProducerProgress applied(ManagedChannel member) {
    return info(member).getProducersList().stream().filter(p -> p.getProducerId().equals(PRODUCER)).findFirst()
        .orElse(ProducerProgress.getDefaultInstance());
  }

  /** The most heap in use, sampled every 50 ms. */
  private static final class HeapWatch implements AutoCloseable {
    private final AtomicLong max = new AtomicLong();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();

    HeapWatch() {
      Scheduled.repeat(sampler, "sample heap", Duration.ZERO, Duration.ofMillis(50), () -> max.accumulateAndGet(
          ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max));
    }

    long maxMb() {
      return max.get() / (1024 * 1024);
    }

    @Override
    public void close() {
      sampler.shutdownNow();
    }
  }
}
