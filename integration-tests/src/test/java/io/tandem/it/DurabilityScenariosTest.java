package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tandem.config.v1.Agent;
import io.tandem.config.v1.ApplyObjectsRequest;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.CreateObjectRequest;
import io.tandem.config.v1.GetHistoryInfoRequest;
import io.tandem.config.v1.ListObjectsRequest;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.UpdateObjectRequest;
import io.tandem.config.v1.WatchRequest;
import io.tandem.config.v1.WatchResponse;
import io.tandem.common.process.FreePorts;
import io.tandem.testing.EtcdCluster;
import io.tandem.testing.Launch;
import io.tandem.testing.LogTails;
import io.tandem.testing.MiniStack;
import io.tandem.testing.Service;
import io.tandem.testing.StackMember;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The Config Server's promise that every acknowledged change survives, with real faults: twenty
 * {@code kill -9} at random moments while requests of 5,000 objects and single updates go on
 * (fsync on; six more with the store in a real etcd cluster), and a disk that really fills up (a small tmpfs). Each runs its own Config Server, side
 * by side with the other. The crash loop is the longest scenario of all: this class starts first, so
 * that it runs beside the others rather than after them.
 */
@Execution(ExecutionMode.CONCURRENT)
@Order(1)
class DurabilityScenariosTest {
  private static final int REQUEST_SIZE = 5000;
  private static final int REQUESTS_PER_ROUND = 3;

  @TempDir
  Path dir;

  private static ConfigObject agent(String name, int i) {
    return ConfigObject.newBuilder().setType(ObjectType.AGENT).setName(name)
        .setAgent(Agent.newBuilder().setEmployeeId("E" + i)).build();
  }

  private static Map<String, ConfigObject> agents(ConfigServiceGrpc.ConfigServiceBlockingStub stub) {
    Map<String, ConfigObject> stored = new HashMap<>();
    stub.withDeadlineAfter(2, TimeUnit.MINUTES).listObjects(ListObjectsRequest.newBuilder().addTypes(ObjectType.AGENT)
        .build()).forEachRemaining(batch -> batch.getObjectsList().forEach(o -> stored.put(o.getName(), o)));
    return stored;
  }

  @Test
  void twentyKillsAtRandomMomentsLoseNoAcknowledgedChangeAndSplitNoRequest() throws Exception {
    int port = FreePorts.next();
    crashLoop(new MiniStack(dir, MiniStack.Mode.PROCESSES), ServiceJvm.launch(Service.CONFIG_SERVER, "config-server", port,
        List.of("--port", "" + port, "--data-dir", dir.resolve("data").toString())).heap("-Xmx512m"), 20, "journal");
  }

  /** The same promise with the store in a real three-member etcd cluster: fewer kills, the same checks. */
  @Test
  void killsAtRandomMomentsOverEtcdLoseNoAcknowledgedChangeAndSplitNoRequest() throws Exception {
    EtcdCluster.requireBinary();
    MiniStack stack = new MiniStack(dir, MiniStack.Mode.PROCESSES);
    try (EtcdCluster etcd = EtcdCluster.startTls(dir.resolve("etcd"), 3, Duration.ofMinutes(1), stack)) {
      int port = FreePorts.next();
      crashLoop(stack, ServiceJvm.launch(Service.CONFIG_SERVER, "config-server", port, List.of("--port", "" + port,
          "--store", "etcd", "--etcd-endpoints", etcd.endpoints().toString())).heap("-Xmx512m"), 6, "etcd");
    }
  }

  /**
   * {@code rounds} times: start the Config Server, write requests of {@link #REQUEST_SIZE} objects
   * and updates of one object, kill it after a random number of updates; check after each start.
   */
  private void crashLoop(MiniStack stack, Launch launch, int rounds, String store) throws Exception {
    Random random = new Random(20);
    Set<String> acknowledgedRequests = ConcurrentHashMap.newKeySet();
    Set<String> startedRequests = ConcurrentHashMap.newKeySet();
    AtomicLong hotVersion = new AtomicLong();
    try (stack) {
      for (int round = 1; round <= rounds; round++) {
        StackMember server = stack.start(launch);
        ConfigServiceGrpc.ConfigServiceBlockingStub stub = ConfigServiceGrpc.newBlockingStub(server.channel());
        // An update the kill cut off may have become durable unacknowledged: go on from what is stored.
        hotVersion.set(check(stub, acknowledgedRequests, startedRequests, hotVersion.get(), round));
        if (round == 1) {
          hotVersion.set(stub.createObject(CreateObjectRequest.newBuilder().setObject(agent("hot", 0)).build())
              .getObject().getVersion());
        }

        // Kill after a random number of acknowledged updates: a random moment, as writes go on.
        int killAfter = 1 + random.nextInt(40);
        AtomicLong updates = new AtomicLong();
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService writers = Executors.newFixedThreadPool(2);
        int thisRound = round;
        var unused = writers.submit(() -> {
          // A few requests per round keep the whole run's configuration at a size one process holds easily.
          for (int request = 0; writing.get() && request < REQUESTS_PER_ROUND; request++) {
            String prefix = "r" + thisRound + "-" + request + "-";
            ApplyObjectsRequest.Builder batch = ApplyObjectsRequest.newBuilder();
            for (int i = 0; i < REQUEST_SIZE; i++) {
              batch.addObjects(agent(prefix + i, i));
            }
            startedRequests.add(prefix);
            try {
              stub.withDeadlineAfter(30, TimeUnit.SECONDS).applyObjects(batch.build());
              acknowledgedRequests.add(prefix);
            } catch (StatusRuntimeException e) {
              return null; // the server is gone: this request was not acknowledged
            }
          }
          return null;
        });
        var unused2 = writers.submit(() -> {
          while (writing.get()) {
            try {
              long version = stub.withDeadlineAfter(30, TimeUnit.SECONDS).updateObject(UpdateObjectRequest.newBuilder()
                  .setObject(agent("hot", (int) hotVersion.get())).setExpectedVersion(hotVersion.get()).build())
                  .getObject().getVersion();
              hotVersion.set(version);
              updates.incrementAndGet();
            } catch (StatusRuntimeException e) {
              return null;
            }
          }
          return null;
        });
        await().atMost(Duration.ofMinutes(2)).until(() -> updates.get() >= killAfter);
        server.kill();
        writing.set(false);
        writers.shutdown();
        assertThat(writers.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
      }
      StackMember server = stack.start(launch);
      check(ConfigServiceGrpc.newBlockingStub(server.channel()), acknowledgedRequests, startedRequests, hotVersion.get(),
          rounds + 1);
      System.out.printf("crash loop (%s): %d kills; %d requests of %d objects acknowledged, %d started; hot at version %d%n",
          store, rounds, acknowledgedRequests.size(), REQUEST_SIZE, startedRequests.size(), hotVersion.get());
    } catch (Exception | Error e) {
      LogTails.attach(e, () -> stack.logTails(60));
      throw e;
    }
  }

  /**
   * After a restart: every acknowledged change is there, every request whole or not at all, ids
   * gap-free. Returns the version of "hot" stored.
   */
  private static long check(ConfigServiceGrpc.ConfigServiceBlockingStub stub, Set<String> acknowledged,
      Set<String> started, long hotVersion, int round) {
    Map<String, ConfigObject> stored = agents(stub);
    Map<String, Long> perRequest = stored.keySet().stream().filter(n -> n.startsWith("r"))
        .collect(Collectors.groupingBy(n -> n.substring(0, n.lastIndexOf('-') + 1), Collectors.counting()));
    assertThat(perRequest.keySet()).as("round %d: requests stored are requests sent", round).isSubsetOf(started);
    assertThat(perRequest.values()).as("round %d: every request whole", round).allMatch(n -> n == REQUEST_SIZE);
    assertThat(perRequest.keySet()).as("round %d: every acknowledged request there", round).containsAll(acknowledged);
    long storedHot = stored.containsKey("hot") ? stored.get("hot").getVersion() : 0;
    assertThat(storedHot).as("round %d: the last acknowledged update of hot", round).isGreaterThanOrEqualTo(hotVersion);
    long head = stub.getHistoryInfo(GetHistoryInfoRequest.getDefaultInstance()).getHeadEventId();
    assertThat(head).as("round %d: ids gap-free (one per create, one per update)", round)
        .isEqualTo(stored.size() - (stored.containsKey("hot") ? 1 : 0) + storedHot);
    return storedHot;
  }

  @Test
  void aFullDiskRefusesWritesKeepsServingAndEverythingAcknowledgedSurvives() throws Exception {
    assumeTrue(System.getProperty("os.name").startsWith("Linux"), "a real full disk needs Linux (tmpfs)");
    assumeTrue("root".equals(System.getProperty("user.name")), "mounting a small tmpfs needs root; skipped as "
        + System.getProperty("user.name"));
    Path disk = Files.createDirectories(dir.resolve("small-disk"));
    Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", disk.toString())
        .redirectErrorStream(true).start();
    String mountOutput = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assumeTrue(mount.waitFor() == 0, "could not mount a tmpfs here: " + mountOutput);
    try {
      Path ballast = disk.resolve("ballast");
      Files.write(ballast, new byte[2 * 1024 * 1024]);
      int port = FreePorts.next();
      Launch launch = ServiceJvm.launch(Service.CONFIG_SERVER, "config-server", port,
          List.of("--port", "" + port, "--data-dir", disk.resolve("data").toString()));
      Set<String> acknowledged = ConcurrentHashMap.newKeySet();
      try (MiniStack stack = new MiniStack(dir, MiniStack.Mode.PROCESSES)) {
        StackMember server = stack.start(launch);
        ConfigServiceGrpc.ConfigServiceBlockingStub stub = ConfigServiceGrpc.newBlockingStub(server.channel());
        StatusRuntimeException refusal = null;
        for (int request = 0; refusal == null && request < 10_000; request++) {
          ApplyObjectsRequest.Builder batch = ApplyObjectsRequest.newBuilder();
          for (int i = 0; i < 200; i++) {
            batch.addObjects(agent("d" + request + "-" + i, i));
          }
          try {
            stub.applyObjects(batch.build());
            for (int i = 0; i < 200; i++) {
              acknowledged.add("d" + request + "-" + i);
            }
          } catch (StatusRuntimeException e) {
            refusal = e;
          }
        }
        assertThat(refusal).as("the disk filled up").isNotNull();
        ApplyObjectsRequest.Builder refused = ApplyObjectsRequest.newBuilder();
        for (int i = 0; i < 200; i++) {
          refused.addObjects(agent("refused-" + i, i));
        }
        assertThat(refusal.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(refusal.getStatus().getDescription()).contains("no space left on the disk of data directory "
            + disk.resolve("data").toAbsolutePath(), "the change was not written");
        assertThat(server.logLines(" 21-20022 ")).isNotEmpty();

        assertThat(PairStack.serving(server)).as("still SERVING").isTrue();
        assertThat(agents(stub).keySet()).as("reads go on").containsExactlyInAnyOrderElementsOf(acknowledged);
        long oldest = stub.getHistoryInfo(GetHistoryInfoRequest.getDefaultInstance()).getOldestRetainedEventId();
        Iterator<WatchResponse> watch = stub.withDeadlineAfter(30, TimeUnit.SECONDS)
            .watch(WatchRequest.newBuilder().setAfterEventId(oldest - 1).setClientName("test").build());
        assertThat(watch.next().hasChanges()).as("watches go on").isTrue();
        assertThatThrownBy(() -> stub.applyObjects(refused.build())).as("still full")
            .isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));

        Files.delete(ballast);
        stub.applyObjects(refused.build());
        for (int i = 0; i < 200; i++) {
          acknowledged.add("refused-" + i);
        }
        server.close();
        StackMember restarted = stack.start(launch);
        assertThat(agents(ConfigServiceGrpc.newBlockingStub(restarted.channel())).keySet())
            .as("a restart recovers every acknowledged change").containsExactlyInAnyOrderElementsOf(acknowledged);
      }
      try (Stream<Path> files = Files.list(disk.resolve("data"))) {
        assertThat(files.map(f -> f.getFileName().toString())).noneMatch(name -> name.endsWith(".tmp"));
      }
    } finally {
      new ProcessBuilder("umount", "-l", disk.toString()).inheritIO().start().waitFor();
    }
  }
}
