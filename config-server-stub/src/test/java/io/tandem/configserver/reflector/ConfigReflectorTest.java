package io.tandem.configserver.reflector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.config.Applications;
import io.tandem.common.config.ConfigReflector;
import io.tandem.common.config.ConfigSession;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.CreateObjectRequest;
import io.tandem.config.v1.DeleteObjectRequest;
import io.tandem.config.v1.DropSessionsRequest;
import io.tandem.config.v1.ExpireHistoryRequest;
import io.tandem.config.v1.ObjectType;
import io.tandem.configserver.ConfigServerFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reflector (list, then watch; resume on a broken watch; relist on expiry) against a Config Server in this JVM. */
class ConfigReflectorTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dataDir;
  private ConfigServerFixture server;
  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("reflector-test"));
  private final AtomicReference<Map<String, ?>> mirror = new AtomicReference<>(Map.of());
  private ConfigReflector reflector;

  @BeforeEach
  void start() throws Exception {
    server = ConfigServerFixture.start(dataDir);
    create("StatServer_A");
    create("StatServer_B");
    reflector = new ConfigReflector(new ConfigSession(server.channel, "reflector-test"), ObjectType.APPLICATION,
        (objects, eventId) -> mirror.set(Map.copyOf(objects)), executor);
    reflector.start();
    awaitMirror(Set.of("StatServer_A", "StatServer_B"));
  }

  @AfterEach
  void stop() {
    reflector.close();
    executor.shutdownNow();
    server.close();
  }

  private void create(String name) {
    server.blocking.createObject(CreateObjectRequest.newBuilder()
        .setObject(Applications.of(name, ApplicationType.STAT_SERVER).build()).build());
  }

  private void delete(String name) {
    server.blocking.deleteObject(DeleteObjectRequest.newBuilder().setType(ObjectType.APPLICATION).setName(name).build());
  }

  private void awaitMirror(Set<String> names) {
    await().atMost(WAIT).until(() -> mirror.get().keySet().equals(names));
  }

  @Test
  void listsThenFollowsEveryChange() {
    create("StatServer_C");
    awaitMirror(Set.of("StatServer_A", "StatServer_B", "StatServer_C"));
    delete("StatServer_A");
    awaitMirror(Set.of("StatServer_B", "StatServer_C"));
  }

  @Test
  void aBrokenWatchResumesWhereItWas() {
    server.blocking.dropSessions(DropSessionsRequest.getDefaultInstance());
    create("StatServer_C");
    delete("StatServer_B");
    awaitMirror(Set.of("StatServer_A", "StatServer_C"));
  }

  @Test
  void anExpiredHistoryIsRelistedWithNothingMissed() {
    server.blocking.dropSessions(DropSessionsRequest.getDefaultInstance());
    // Changes while the watch is down, then the history that would replay them is emptied.
    delete("StatServer_A");
    create("StatServer_C");
    server.blocking.expireHistory(ExpireHistoryRequest.getDefaultInstance());
    create("StatServer_D");
    awaitMirror(Set.of("StatServer_B", "StatServer_C", "StatServer_D"));
  }
}
