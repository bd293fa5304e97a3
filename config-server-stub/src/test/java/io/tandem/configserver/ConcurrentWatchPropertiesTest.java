package io.tandem.configserver;

import static io.tandem.configserver.Objects.agent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.CreateObjectRequest;
import io.tandem.config.v1.GetHistoryInfoRequest;
import io.tandem.config.v1.SetOptionRequest;
import io.tandem.config.v1.UpdateObjectRequest;
import io.tandem.config.v1.WatchRequest;
import io.tandem.config.v1.WriteResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Concurrent writers while a watcher resumes from a random point: over many random schedules
 * the watcher sees every event after its resume point exactly once, in order, with the object
 * each writer was acknowledged.
 */
class ConcurrentWatchPropertiesTest {
  private static final java.util.concurrent.atomic.AtomicLong TRIES = new java.util.concurrent.atomic.AtomicLong();
  private static ConfigServerFixture server;
  private static Path dataDir;

  @BeforeContainer
  static void start() throws Exception {
    dataDir = Files.createTempDirectory("concurrent-watch");
    server = ConfigServerFixture.start(dataDir);
    server.blocking.createObject(CreateObjectRequest.newBuilder().setObject(ConfigObject.newBuilder()
        .setType(io.tandem.config.v1.ObjectType.APPLICATION).setName("confserv")
        .setApplication(io.tandem.config.v1.Application.newBuilder()
            .setAppType(io.tandem.config.v1.ApplicationType.CONFIG_SERVER))).build());
    server.blocking.setOption(SetOptionRequest.newBuilder().setApplication("confserv").setSection("history-log")
        .setKey("max-records").setValue("1000000").build());
  }

  @AfterContainer
  static void stop() throws java.io.IOException {
    server.close();
    try (var paths = Files.walk(dataDir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Property(tries = 30)
  @SuppressWarnings("ThreadPriorityCheck") // the yields only vary how writers interleave; no outcome relies on them
  void everyEventAfterTheResumePointExactlyOnceInOrder(
      @ForAll @IntRange(min = 1, max = 4) int writers,
      @ForAll @IntRange(min = 1, max = 60) int writesPerWriter,
      @ForAll @IntRange(min = 0, max = 100) int resumePercent,
      @ForAll long seed) throws Exception {
    // Resume points are spread over everything written so far, by earlier tries too.
    long headBefore = server.blocking.getHistoryInfo(GetHistoryInfoRequest.getDefaultInstance()).getHeadEventId();
    long resumeAfter = headBefore * resumePercent / 100;
    long tryNumber = TRIES.incrementAndGet();
    Map<Long, ConfigObject> acknowledged = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
    WatchRecorder watcher = new WatchRecorder();
    try {
      List<Future<?>> work = new java.util.ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        work.add(pool.submit(() -> {
          Random random = new Random(seed + writer);
          String name = "try" + tryNumber + "-writer" + writer;
          WriteResult last = server.blocking.createObject(CreateObjectRequest.newBuilder().setObject(agent(name)).build());
          acknowledged.put(last.getEventId(), last.getObject());
          for (int i = 1; i < writesPerWriter; i++) {
            if (random.nextInt(4) == 0) {
              Thread.yield();
            }
            ConfigObject changed = last.getObject().toBuilder()
                .setAgent(last.getObject().getAgent().toBuilder().setFirstName("v" + i)).build();
            last = server.blocking.updateObject(UpdateObjectRequest.newBuilder().setObject(changed)
                .setExpectedVersion(last.getObject().getVersion()).build());
            acknowledged.put(last.getEventId(), last.getObject());
          }
          return null;
        }));
      }
      // The watcher joins after a random number of acknowledged writes, while the writers run on.
      int joinAfter = new Random(seed).nextInt(writers * writesPerWriter);
      await().atMost(Duration.ofSeconds(20))
          .until(() -> acknowledged.size() >= joinAfter || work.stream().anyMatch(Future::isDone));
      server.async.watch(WatchRequest.newBuilder().setAfterEventId(resumeAfter).setClientName("property").build(), watcher);
      for (Future<?> f : work) {
        f.get();
      }
      long headAfter = server.blocking.getHistoryInfo(GetHistoryInfoRequest.getDefaultInstance()).getHeadEventId();
      await().atMost(Duration.ofSeconds(20)).until(() -> watcher.lastEventId() >= headAfter || watcher.ended());
      assertThat(watcher.error).isNull();
      assertThat(watcher.expired).isNull();
      List<Long> ids = watcher.events.stream().map(ChangeEvent::getEventId).toList();
      assertThat(ids).containsExactlyElementsOf(LongStream.rangeClosed(resumeAfter + 1, headAfter).boxed().toList());
      for (ChangeEvent event : watcher.events) {
        ConfigObject expected = acknowledged.get(event.getEventId());
        if (expected != null) {
          assertThat(event.getObject()).isEqualTo(expected);
        }
      }
      assertThat(acknowledged).hasSize(writers * writesPerWriter);
      assertThat(watcher.events.stream().filter(e -> e.getEventId() > headBefore).count())
          .isEqualTo((long) writers * writesPerWriter);
    } finally {
      watcher.cancel();
      pool.shutdownNow();
    }
  }
}
