package io.tandem.bench;

import io.grpc.Status;
import io.tandem.cli.config.ContactCenterGenerator;
import io.tandem.common.config.ConfigSession;
import io.tandem.common.process.FreePorts;
import io.tandem.config.v1.ApplyObjectsRequest;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.CreateObjectRequest;
import io.tandem.config.v1.HistoryLogExpired;
import io.tandem.config.v1.UpdateObjectRequest;
import io.tandem.etcd.EtcdBinary;
import io.tandem.testing.EtcdCluster;
import io.tandem.testing.Launch;
import io.tandem.testing.MiniStack;
import io.tandem.testing.Service;
import io.tandem.testing.StackMember;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tandem bench store}: the Config Server over its journal (fsync on, as shipped) and over a
 * local three-member etcd cluster (mutual TLS), side by side: one update's latency, an apply of
 * many objects in one request, a full snapshot, a session restored from behind the head, and (etcd)
 * a second Config Server's start over the store.
 */
@Command(name = "store", mixinStandardHelpOptions = true,
    description = {"Run the Config Server over the journal and over a local etcd cluster (the etcd binary on the PATH)",
        "and measure each: update latency, an apply of AGENTS objects, a full snapshot, a session restored RESUME",
        "events behind. Last lines: store: kind=journal|etcd write_p50_ms=... write_p99_ms=... apply_ms=... ..."})
final class StoreBench implements Callable<Integer> {
  @Option(names = "--agents", defaultValue = "100000", description = "Objects of the apply (default ${DEFAULT-VALUE}).")
  int agents;

  @Option(names = "--writes", defaultValue = "500", description = "Updates timed one after the other (default ${DEFAULT-VALUE}).")
  int writes;

  @Option(names = "--resume", defaultValue = "1000",
      description = "How far behind the head a restored session starts (default ${DEFAULT-VALUE}).")
  int resume;

  @Option(names = "--runs", defaultValue = "5", description = "Snapshots and restores timed (default ${DEFAULT-VALUE}).")
  int runs;

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("tandem-bench-store");
    List<String> results = new ArrayList<>();
    try (MiniStack stack = new MiniStack(dir, MiniStack.Mode.IN_JVM)) {
      int port = FreePorts.next();
      StackMember journal = stack.start(Launch.of(Service.CONFIG_SERVER, "journal", port, List.of("--port", "" + port,
          "--data-dir", dir.resolve("journal").toString(), "--fsync")));
      results.add(measure("journal", journal, stack, null));
    }
    if (EtcdCluster.binary().isEmpty()) {
      throw new IllegalStateException(EtcdBinary.missing()); // before the journal's half, not after
    }
    try (MiniStack stack = new MiniStack(dir, MiniStack.Mode.IN_JVM)) {
      try (EtcdCluster etcd = EtcdCluster.startTls(dir.resolve("etcd"), 3, Duration.ofMinutes(1), stack)) {
        List<String> store = List.of("--store", "etcd", "--etcd-endpoints", etcd.endpoints().toString());
        int port = FreePorts.next();
        List<String> args = new ArrayList<>(List.of("--port", "" + port));
        args.addAll(store);
        StackMember first = stack.start(Launch.of(Service.CONFIG_SERVER, "etcd-1", port, args));
        results.add(measure("etcd", first, stack, store));
      }
    }
    results.forEach(System.out::println);
    return 0;
  }

  /** Every figure of one store; {@code etcdStore} also times a second Config Server's start over it. */
  private String measure(String kind, StackMember server, MiniStack stack, List<String> etcdStore) throws Exception {
    ConfigServiceGrpc.ConfigServiceBlockingStub stub = ConfigServiceGrpc.newBlockingStub(server.channel())
        .withDeadlineAfter(10, TimeUnit.MINUTES);
    ConfigObject hot = ContactCenterGenerator.generate(1, 0, 0).get(0);
    long version = stub.createObject(CreateObjectRequest.newBuilder().setObject(hot).build()).getObject().getVersion();
    Samples writeLatency = new Samples();
    for (int i = 0; i < writes; i++) {
      long begin = System.nanoTime();
      version = stub.updateObject(UpdateObjectRequest.newBuilder().setObject(hot.toBuilder()
          .setAgent(hot.getAgent().toBuilder().setEmployeeId("E" + i))).setExpectedVersion(version).build())
          .getObject().getVersion();
      writeLatency.add(System.nanoTime() - begin);
    }
    List<ConfigObject> many = ContactCenterGenerator.generate(agents + 1, 0, 0).subList(1, agents + 1);
    ApplyObjectsRequest apply = ApplyObjectsRequest.newBuilder().addAllObjects(many).build();
    long applyBegin = System.nanoTime();
    long head = stub.applyObjects(apply).getHeadEventId();
    long applyMs = (System.nanoTime() - applyBegin) / 1_000_000;

    ConfigSession session = new ConfigSession(server.channel(), "bench");
    Samples snapshots = new Samples();
    Samples restores = new Samples();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try {
      for (int run = 0; run < runs + 1; run++) {
        long begin = System.nanoTime();
        long[] objects = {0};
        session.snapshot(Set.of(), object -> objects[0]++, Duration.ofMinutes(2));
        if (run > 0) {
          snapshots.add(System.nanoTime() - begin);
        }
        begin = System.nanoTime();
        restore(session, head - resume, timer);
        if (run > 0) {
          restores.add(System.nanoTime() - begin);
        }
      }
    } finally {
      timer.shutdownNow();
    }
    String startMs = "";
    if (etcdStore != null) {
      int port = FreePorts.next();
      List<String> args = new ArrayList<>(List.of("--port", "" + port));
      args.addAll(etcdStore);
      long begin = System.nanoTime();
      stack.start(Launch.of(Service.CONFIG_SERVER, "etcd-2", port, args));
      startMs = " second_server_start_ms=" + (System.nanoTime() - begin) / 1_000_000;
    }
    System.out.printf("%s: update %s; apply of %d objects %d ms; snapshot %s; restore from %d behind %s%n", kind,
        writeLatency.describe(), agents, applyMs, snapshots.describe(), resume, restores.describe());
    return String.format("store: kind=%s write_p50_ms=%.2f write_p99_ms=%.2f apply_%d_ms=%d snapshot_median_ms=%.0f"
        + " restore_%d_behind_median_ms=%.1f%s", kind, writeLatency.median(), writeLatency.percentile(99), agents, applyMs,
        snapshots.median(), resume, restores.median(), startMs);
  }

  /** Restores a session {@code after} an event id and waits for the progress that ends its replay. */
  private static void restore(ConfigSession session, long after, ScheduledExecutorService timer)
      throws InterruptedException {
    CountDownLatch caughtUp = new CountDownLatch(1);
    String[] trouble = {null};
    ConfigSession.Watch watch = session.watch(after, new ConfigSession.WatchListener() {
      @Override
      public void onChanges(List<ChangeEvent> events, boolean replay) {}

      @Override
      public void onProgress(long headEventId) {
        caughtUp.countDown();
      }

      @Override
      public void onExpired(HistoryLogExpired expired) {
        trouble[0] = "expired: " + expired;
        caughtUp.countDown();
      }

      @Override
      public void onBroken(Status status) {
        trouble[0] = "broken: " + status;
        caughtUp.countDown();
      }
    }, timer);
    try {
      if (!caughtUp.await(2, TimeUnit.MINUTES) || trouble[0] != null) {
        throw new IllegalStateException("the session was not restored: " + trouble[0]);
      }
    } finally {
      watch.cancel();
    }
  }
}
