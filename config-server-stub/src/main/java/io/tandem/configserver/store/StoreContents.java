package io.tandem.configserver.store;

import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import io.tandem.protocol.options.OptionCatalogue;
import io.tandem.protocol.options.OptionReader;
import io.tandem.config.v1.Application;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ChangeKind;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import io.tandem.protocol.history.HistoryLog;
import io.tandem.configserver.journal.format.JournalCheckpoint;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configuration in memory: the objects, the head, the history log and the Config Server's
 * own options, changed one committed event at a time ({@link #apply}) and put back at start
 * from a checkpoint and the journal after it ({@link #restore}, {@link #replay}). Not
 * thread-safe: {@link ConfigStore} calls it under its lock (except the lock-free reads named so).
 */
final class StoreContents {
  private static final Logger LOG = LoggerFactory.getLogger(StoreContents.class);

  private final String application;
  private final ObjectTable table = new ObjectTable();
  /** The Applications' names, for access checks that must not wait for the lock. */
  private final Set<String> applicationNames = ConcurrentHashMap.newKeySet();
  private final HistoryLog history;
  private final OptionReader options;
  private volatile Duration progressInterval = OptionCatalogue.PROGRESS_INTERVAL.defaultValue();
  private long head;

  /** @param application the Config Server's own Application, whose options it reads */
  StoreContents(String application, Clock clock) {
    this.application = application;
    this.history = new HistoryLog(clock, OptionCatalogue.MAX_RECORDS.defaultValue(), OptionCatalogue.EXPIRATION.defaultValue());
    this.options = new OptionReader(application);
  }

  ObjectTable table() {
    return table;
  }

  HistoryLog history() {
    return history;
  }

  long head() {
    return head;
  }

  /** Lock-free. */
  boolean isApplication(String name) {
    return applicationNames.contains(name);
  }

  /** Option confserv/progress-interval in force; lock-free. */
  Duration progressInterval() {
    return progressInterval;
  }

  /** What a checkpoint holds: every object and the history log. Called with the lock held. */
  long checkpointSize() {
    return (long) table.size() + history.records();
  }

  /**
   * The store as of now, in one consistent cut: called with the lock held (no write can come
   * between the objects and the head), and the history log read in one call (no purge can come
   * between its floor and its events).
   */
  JournalCheckpoint checkpointContent() {
    HistoryLog.Snapshot snapshot = history.snapshot();
    return JournalCheckpoint.newBuilder()
        .setHeadEventId(head)
        .setMaxDbid(table.maxDbid())
        .addAllObjects(table.list(ConfigStore.TYPES))
        .setHistoryFloor(snapshot.floor())
        .setHistoryLastResetEventId(snapshot.lastResetId())
        .addAllHistory(snapshot.events())
        .build();
  }

  /** Puts back a checkpoint's objects, history and head. */
  void restore(JournalCheckpoint checkpoint) {
    for (ConfigObject object : checkpoint.getObjectsList()) {
      table.put(object);
      if (object.getType() == ObjectType.APPLICATION) {
        applicationNames.add(object.getName());
      }
    }
    table.noteDbid(checkpoint.getMaxDbid());
    history.restore(checkpoint.getHistoryList(), checkpoint.getHistoryFloor(), checkpoint.getHeadEventId(),
        checkpoint.getHistoryLastResetEventId());
    head = checkpoint.getHeadEventId();
    ConfigObject own = table.get(ObjectType.APPLICATION, application);
    if (own != null) {
      applyOwnOptions(own.getApplication());
    }
  }

  /** Replays one journaled event after the checkpoint; its id must follow the head. */
  void replay(ChangeEvent event) {
    if (event.getEventId() != head + 1) {
      throw new IllegalStateException("event ids jump from " + head + " to " + event.getEventId());
    }
    apply(event);
  }

  /** Applies one committed event. */
  void apply(ChangeEvent event) {
    switch (event.getKind()) {
      case CREATED, UPDATED -> {
        table.put(event.getObject());
        history.append(event);
      }
      case DELETED -> {
        table.remove(event.getObject());
        table.noteDbid(event.getObject().getDbid());
        history.append(event);
      }
      case HISTORY_RESET -> history.reset(event.getEventId());
      default -> throw new IllegalStateException("event " + event.getEventId() + " has no kind");
    }
    head = event.getEventId();
    ConfigObject object = event.getObject();
    if (object.getType() == ObjectType.APPLICATION) {
      if (event.getKind() == ChangeKind.DELETED) {
        applicationNames.remove(object.getName());
      } else if (event.getKind() != ChangeKind.HISTORY_RESET) {
        applicationNames.add(object.getName());
      }
    }
    if (object.getType() == ObjectType.APPLICATION && object.getName().equals(application)) {
      applyOwnOptions(event.getKind() == ChangeKind.DELETED ? Application.getDefaultInstance() : object.getApplication());
    }
  }

  private void applyOwnOptions(Application own) {
    Map<String, Map<String, String>> sections = new HashMap<>();
    own.getOptionsMap().forEach((name, section) -> sections.put(name, section.getValuesMap()));
    options.reportUnknown(Set.of(OptionCatalogue.HISTORY_LOG, OptionCatalogue.CONFSERV), sections);
    long maxRecords = options.read(OptionCatalogue.MAX_RECORDS, sections);
    Duration expiration = options.read(OptionCatalogue.EXPIRATION, sections);
    progressInterval = options.read(OptionCatalogue.PROGRESS_INTERVAL, sections);
    if (maxRecords != history.maxRecords() || !expiration.equals(history.expiration())) {
      int purged = history.setLimits(maxRecords, expiration);
      if (purged > 0) {
        EventLog.emit(LOG, LogEvent.HISTORY_PURGED, "records", purged, "reason", "history-log options changed",
            "oldest_retained", history.oldestRetained());
      }
    }
  }

  /** Drops what the history log's expiration no longer keeps. */
  void purgeExpired() {
    int purged = history.purge();
    if (purged > 0) {
      EventLog.emit(LOG, LogEvent.HISTORY_PURGED, "records", purged, "reason", "expiration",
          "oldest_retained", history.oldestRetained());
    }
  }
}
