package io.tandem.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.testing.FakeConfigSource;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ChangeKind;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reflector's loop against a scripted Config Server: list, watch from the listing's event
 * id, resume a broken watch from the last event seen (no relist), relist only when the history
 * has expired — the shape of client-go's reflector, tested the way it is, with a fake watcher.
 */
class ConfigReflectorTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final FakeConfigSource source = new FakeConfigSource();
  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("reflector-test"));
  private final AtomicReference<Map<String, ConfigObject>> mirror = new AtomicReference<>(Map.of());
  private final AtomicLong mirrorEventId = new AtomicLong(-1);
  private ConfigReflector reflector;

  private static ConfigObject app(String name) {
    return Applications.of(name, ApplicationType.STAT_SERVER).build();
  }

  @BeforeEach
  void start() {
    source.put(app("A")).put(app("B")).put(Applications.of("ignored", ApplicationType.STAT_SERVER).build()
        .toBuilder().setType(ObjectType.AGENT).build());
    source.setHead(5);
    reflector = new ConfigReflector(source, ObjectType.APPLICATION, (objects, eventId) -> {
      mirror.set(objects);
      mirrorEventId.set(eventId);
    }, executor);
    reflector.start();
    awaitWatches(1);
  }

  @AfterEach
  void stop() {
    reflector.close();
    executor.shutdownNow();
  }

  private void awaitWatches(int count) {
    await().atMost(WAIT).until(() -> source.watches().size() == count);
  }

  private void awaitMirror(Set<String> names, long eventId) {
    await().atMost(WAIT).until(() -> mirror.get().keySet().equals(names) && mirrorEventId.get() == eventId);
  }

  @Test
  void listsOneTypeThenWatchesFromTheListingsEventId() {
    awaitMirror(Set.of("A", "B"), 5);
    assertThat(source.lastWatch().after).isEqualTo(5);
    source.lastWatch().changes(List.of(source.change(ChangeKind.CREATED, app("C")),
        source.change(ChangeKind.DELETED, app("A"))), false);
    awaitMirror(Set.of("B", "C"), 7);
  }

  @Test
  void aBrokenWatchResumesFromTheLastEventSeenWithoutListingAgain() {
    source.lastWatch().changes(List.of(source.change(ChangeKind.CREATED, app("C"))), false);
    awaitMirror(Set.of("A", "B", "C"), 6);
    source.lastWatch().broken(Status.UNAVAILABLE.withDescription("connection reset"));
    awaitWatches(2);
    assertThat(source.lastWatch().after).as("resumed after the last event it applied").isEqualTo(6);
    assertThat(source.snapshots()).as("no second listing").isEqualTo(1);

    source.lastWatch().changes(List.of(source.change(ChangeKind.DELETED, app("B"))), true);
    awaitMirror(Set.of("A", "C"), 7);
  }

  @Test
  void anExpiredHistoryListsAgainAndTheMirrorIsTheNewListing() {
    source.change(ChangeKind.DELETED, app("A")); // missed while the watch was away
    source.change(ChangeKind.CREATED, app("D"));
    source.lastWatch().expire();
    awaitMirror(Set.of("B", "D"), 7);
    assertThat(source.snapshots()).isEqualTo(2);
    awaitWatches(2);
    assertThat(source.lastWatch().after).isEqualTo(7);
  }

  @Test
  void aListingThatFailsIsRetriedUntilTheConfigServerAnswers() {
    // Armed before the expiry: the reflector lists again on its own thread as soon as it hears it.
    source.failNextSnapshot(Status.UNAVAILABLE.withDescription("down").asRuntimeException())
        .failNextSnapshot(Status.UNAVAILABLE.withDescription("still down").asRuntimeException());
    source.lastWatch().expire();
    awaitWatches(2);
    assertThat(source.snapshots()).isEqualTo(4);
    awaitMirror(Set.of("A", "B"), 5);
  }

  @Test
  void aClosedReflectorCancelsItsWatchAndIgnoresWhatStillArrives() throws Exception {
    awaitMirror(Set.of("A", "B"), 5);
    FakeConfigSource.FakeWatch watch = source.lastWatch();
    reflector.close();
    await().atMost(WAIT).until(watch::cancelled);
    watch.changes(List.of(source.change(ChangeKind.CREATED, app("C"))), false);
    watch.broken(Status.CANCELLED);
    executor.submit(() -> { }).get();
    assertThat(mirror.get().keySet()).containsExactlyInAnyOrder("A", "B");
    assertThat(source.watches()).hasSize(1);
  }
}
