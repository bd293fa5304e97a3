package io.tandem.bench;

import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.tandem.cli.config.ContactCenterGenerator;
import io.tandem.cli.stat.SimulatedFeed;
import io.tandem.common.grpc.MessageLimits;
import io.tandem.common.security.AccessRule;
import io.tandem.config.v1.ObjectType;
import io.tandem.stat.v1.EventBatch;
import io.tandem.stat.v1.FeedProgress;
import io.tandem.stat.v1.Notification;
import io.tandem.stat.v1.NotificationMode;
import io.tandem.stat.v1.OpenStatisticRequest;
import io.tandem.stat.v1.StatObject;
import io.tandem.stat.v1.StatServiceGrpc;
import io.tandem.stat.v1.StatisticType;
import io.tandem.stat.v1.StatisticValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tandem bench feed}: events into one Stat Server that has many statistics open. */
@Command(name = "feed", mixinStandardHelpOptions = true,
    description = {"A Stat Server (with Config Server and Management Layer) in this JVM with OPEN statistics open",
        "(agent states, group ready agents, totals and averages in every notification mode, waiting calls);",
        "EVENTS simulated contact-center events are fed as fast as it takes them. Measures events applied per second.",
        "Last line: feed: events_per_s=N open_stats=N"})
final class FeedBench implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  TransportOption transport;

  @Option(names = "--events", defaultValue = "2000000", description = "Events to feed (default ${DEFAULT-VALUE}).")
  int events;

  @Option(names = "--open", defaultValue = "10000", description = "Statistics to keep open (default ${DEFAULT-VALUE}).")
  int open;

  @Option(names = "--agents", defaultValue = "10000", description = "Agents in the configuration (default ${DEFAULT-VALUE}).")
  int agents;

  @Option(names = "--batch", defaultValue = "1000", description = "Events per Feed message (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Override
  public Integer call() throws Exception {
    int groups = Math.max(1, agents / 100);
    int queues = 10;
    List<EventBatch> batches = simulate(queues);
    int largest = batches.stream().mapToInt(EventBatch::getSerializedSize).max().orElse(0);
    if (largest > MessageLimits.MAX_FEED_BATCH_BYTES) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--batch " + batchSize + " makes batches of up to "
          + largest + " bytes, more than the " + MessageLimits.MAX_FEED_BATCH_BYTES
          + " bytes a Stat Server takes in one Feed message");
    }
    try (BenchStack stack = BenchStack.start(transport.transport(), false, agents, groups, queues)) {
      ManagedChannel channel = stack.toStatServer("Bench_A", AccessRule.CLIENT);
      AtomicLong values = new AtomicLong();
      int opened = openStatistics(channel, groups, queues, values);
      System.out.printf("%d statistics open; feeding %d events in %d batches%n", opened, events, batches.size());
      long start = System.nanoTime();
      FeedProgress summary = feed(channel, batches).get(10, TimeUnit.MINUTES);
      double seconds = (System.nanoTime() - start) / 1e9;
      double perSecond = summary.getAccepted() / seconds;
      System.out.printf("applied %d events (%d for unknown objects, %d ignored) in %.2f s; %d statistic values sent%n",
          summary.getAccepted(), summary.getUnknownObject(), summary.getIgnored(), seconds, values.get());
      System.out.printf("feed: events_per_s=%.0f open_stats=%d%n", perSecond, opened);
      return 0;
    }
  }

  /** Events of a busy contact center, generated up front so generating them is not measured. */
  private List<EventBatch> simulate(int queues) {
    SimulatedFeed feed = new SimulatedFeed(agents, queues, 200_000, batchSize, 7, System.currentTimeMillis());
    List<EventBatch> batches = new ArrayList<>();
    while (feed.events() + batchSize <= events) {
      batches.add(feed.next());
    }
    return batches;
  }

  private int openStatistics(ManagedChannel channel, int groups, int queues, AtomicLong values) throws Exception {
    List<OpenStatisticRequest> requests = new ArrayList<>();
    StatisticType[] groupStats = {StatisticType.CURRENT_READY_AGENTS, StatisticType.TOTAL_CALLS_ANSWERED,
        StatisticType.AVERAGE_HANDLE_TIME};
    NotificationMode[] modes = {NotificationMode.IMMEDIATE, NotificationMode.PERIODICAL, NotificationMode.RESET};
    for (int q = 1; q <= queues && requests.size() < open; q++) {
      for (int i = 0; i < 10; i++) {
        requests.add(request(ObjectType.QUEUE, ContactCenterGenerator.queueName(q), StatisticType.CURRENT_WAITING_CALLS,
            NotificationMode.IMMEDIATE));
      }
    }
    for (int g = 1; g <= groups && requests.size() < open; g++) {
      for (StatisticType type : groupStats) {
        for (NotificationMode mode : modes) {
          requests.add(request(ObjectType.AGENT_GROUP, ContactCenterGenerator.groupName(g), type, mode));
        }
      }
    }
    for (int a = 1; requests.size() < open; a = a % agents + 1) {
      requests.add(request(ObjectType.AGENT, ContactCenterGenerator.agentName(a), StatisticType.CURRENT_AGENT_STATE,
          NotificationMode.IMMEDIATE));
    }
    List<CompletableFuture<Void>> firstValues = new ArrayList<>();
    StatServiceGrpc.StatServiceStub stub = StatServiceGrpc.newStub(channel);
    for (OpenStatisticRequest request : requests.subList(0, Math.min(open, requests.size()))) {
      CompletableFuture<Void> first = new CompletableFuture<>();
      firstValues.add(first);
      stub.openStatistic(request, new StreamObserver<>() {
        @Override
        public void onNext(StatisticValue value) {
          values.incrementAndGet();
          first.complete(null);
        }

        @Override
        public void onError(Throwable t) {
          first.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
        }
      });
    }
    CompletableFuture.allOf(firstValues.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
    return firstValues.size();
  }

  private static OpenStatisticRequest request(ObjectType type, String name, StatisticType statistic, NotificationMode mode) {
    Notification.Builder notification = Notification.newBuilder().setMode(mode);
    if (mode != NotificationMode.IMMEDIATE) {
      notification.setPeriodSeconds(1);
    }
    return OpenStatisticRequest.newBuilder().setObject(StatObject.newBuilder().setType(type).setName(name))
        .setStatistic(statistic).setNotification(notification).build();
  }

  /** Sends every batch as fast as flow control allows; completes with the server's last progress. */
  private static CompletableFuture<FeedProgress> feed(ManagedChannel channel, List<EventBatch> batches) {
    CompletableFuture<FeedProgress> summary = new CompletableFuture<>();
    StatServiceGrpc.newStub(channel).feed(new ClientResponseObserver<EventBatch, FeedProgress>() {
      private int next;

      @Override
      public void beforeStart(ClientCallStreamObserver<EventBatch> requests) {
        requests.setOnReadyHandler(() -> {
          while (requests.isReady() && next < batches.size()) {
            requests.onNext(batches.get(next++));
          }
          if (next == batches.size()) {
            next++;
            requests.onCompleted();
          }
        });
      }

      @Override
      public void onNext(FeedProgress value) {
        if (value.getFinal()) {
          summary.complete(value);
        }
      }

      @Override
      public void onError(Throwable t) {
        summary.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
      }
    });
    return summary;
  }
}
