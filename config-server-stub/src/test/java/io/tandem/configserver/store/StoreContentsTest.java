package io.tandem.configserver.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.util.Timestamps;
import io.tandem.common.config.Applications;
import io.tandem.protocol.time.ManualClock;
import io.tandem.config.v1.Agent;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ChangeKind;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import io.tandem.protocol.history.HistoryLog;
import io.tandem.configserver.journal.format.JournalCheckpoint;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The configuration in memory on its own: no lock, no disk, a hand-moved clock. Committed events
 * change it one at a time; a checkpoint of it restores to the same store; its own Application's
 * options take effect as they change.
 */
class StoreContentsTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-06-01T08:00:00Z"));
  private final StoreContents contents = new StoreContents("confserv", clock);
  private long dbid;

  private ConfigObject agent(String name) {
    return ConfigObject.newBuilder().setType(ObjectType.AGENT).setName(name).setDbid(++dbid).setVersion(1)
        .setAgent(Agent.getDefaultInstance()).build();
  }

  /** The next event, stamped now, as the store commits it. */
  private ChangeEvent event(ChangeKind kind, ConfigObject object) {
    return ChangeEvent.newBuilder().setEventId(contents.head() + 1).setKind(kind).setObject(object)
        .setTime(Timestamps.fromMillis(clock.millis())).build();
  }

  private static ConfigObject confserv(String section, String key, String value) {
    return Applications.of("confserv", ApplicationType.CONFIG_SERVER).option(section, key, value).build().toBuilder()
        .setDbid(100).build();
  }

  @Test
  void eachEventMovesTheHeadAndIsKeptInTheHistory() {
    ConfigObject ann = agent("ann");
    contents.apply(event(ChangeKind.CREATED, ann));
    contents.apply(event(ChangeKind.CREATED, agent("bob")));
    contents.apply(event(ChangeKind.DELETED, ann));
    assertThat(contents.head()).isEqualTo(3);
    assertThat(contents.table().get(ObjectType.AGENT, "ann")).isNull();
    assertThat(contents.table().get(ObjectType.AGENT, "bob")).isNotNull();
    assertThat(contents.history().read(0, 10)).isInstanceOfSatisfying(HistoryLog.Events.class,
        read -> assertThat(read.events()).extracting(ChangeEvent::getEventId).containsExactly(1L, 2L, 3L));
    assertThat(contents.checkpointSize()).as("one object and three history records").isEqualTo(4);
  }

  @Test
  void aCheckpointRestoresTheSameStoreAndReplayRefusesAGap() {
    contents.apply(event(ChangeKind.CREATED, agent("ann")));
    contents.apply(event(ChangeKind.CREATED, Applications.of("StatServer_A", ApplicationType.STAT_SERVER).build()
        .toBuilder().setDbid(++dbid).build()));
    contents.apply(event(ChangeKind.HISTORY_RESET, ConfigObject.getDefaultInstance()));
    contents.apply(event(ChangeKind.CREATED, agent("bob")));
    JournalCheckpoint checkpoint = contents.checkpointContent();

    StoreContents restored = new StoreContents("confserv", clock);
    restored.restore(checkpoint);
    assertThat(restored.checkpointContent()).isEqualTo(checkpoint);
    assertThat(restored.isApplication("StatServer_A")).isTrue();
    assertThat(restored.history().read(1, 10)).as("positions before the reset stay expired")
        .isInstanceOf(HistoryLog.Expired.class);

    restored.replay(ChangeEvent.newBuilder().setEventId(5).setKind(ChangeKind.CREATED).setObject(agent("cid"))
        .setTime(Timestamps.fromMillis(clock.millis())).build());
    assertThatThrownBy(() -> restored.replay(ChangeEvent.newBuilder().setEventId(7).setKind(ChangeKind.CREATED)
        .setObject(agent("dan")).build())).hasMessage("event ids jump from 5 to 7");
  }

  @Test
  void itsOwnOptionsTakeEffectAsTheyChangeAndTheHistoryExpiresByTheClock() {
    contents.apply(event(ChangeKind.CREATED, confserv("confserv", "progress-interval", "250ms")));
    assertThat(contents.progressInterval()).isEqualTo(Duration.ofMillis(250));

    contents.apply(event(ChangeKind.UPDATED, confserv("history-log", "expiration", "1h")));
    assertThat(contents.progressInterval()).as("back to the default once the option is gone")
        .isEqualTo(Duration.ofSeconds(1));
    contents.apply(event(ChangeKind.CREATED, agent("ann")));
    clock.advance(Duration.ofMinutes(59));
    contents.purgeExpired();
    assertThat(contents.history().records()).isEqualTo(3);
    clock.advance(Duration.ofMinutes(2));
    contents.purgeExpired();
    assertThat(contents.history().records()).isZero();
    assertThat(contents.history().read(0, 10)).isInstanceOf(HistoryLog.Expired.class);
  }
}
