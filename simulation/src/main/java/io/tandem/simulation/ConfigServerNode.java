package io.tandem.simulation;

import com.google.protobuf.util.Timestamps;
import io.grpc.Metadata;
import io.grpc.Status;
import io.tandem.config.v1.Application;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ChangeKind;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import io.tandem.protocol.history.HistoryLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Config Server: objects and head survive restarts (they are journaled); the history log is
 * the real {@link HistoryLog} on virtual time, kept across a restart or lost by one. Watches
 * replay from a position or say it expired, then follow live; an expiry of history ends every
 * watch with {@code HistoryLogExpired}, as {@code tandem config expire-history} does.
 *
 * <p>It also keeps every change ever made (the oracle the exactly-once invariant reads).
 */
final class ConfigServerNode extends Node {
  private static final Duration EXPIRATION = Duration.ofDays(30);

  private final long historyMaxRecords;
  /** The mutant that restores a session whose position was purged, from what is left. */
  private final boolean restoresPurgedPositions;
  private final Map<String, ConfigObject> objects = new TreeMap<>();
  private final List<ChangeEvent> changelog = new ArrayList<>();
  private HistoryLog history;
  private long head;
  /** Live watches, with the last event each was sent. */
  private final Map<Stream, Long> watchers = new LinkedHashMap<>();
  private final List<Stream> followers = new ArrayList<>();
  private boolean loseHistoryOnStart;

  ConfigServerNode(VirtualTime time, Network network, Trace trace, long historyMaxRecords,
      boolean restoresPurgedPositions, List<ConfigObject> initial) {
    super(World.CONFIG_SERVER, time, network, trace);
    this.historyMaxRecords = historyMaxRecords;
    this.restoresPurgedPositions = restoresPurgedPositions;
    history = new HistoryLog(time.clock(), historyMaxRecords, EXPIRATION);
    initial.forEach(this::write);
  }

  @Override
  void onStart() {
    watchers.clear();
    followers.clear();
    if (loseHistoryOnStart) {
      loseHistoryOnStart = false;
      history = new HistoryLog(time.clock(), historyMaxRecords, EXPIRATION);
      history.restore(List.of(), head, head, -1);
      reset();
      trace.note(time.now(), name, "restarted without its history log: every session position expires");
    }
  }

  /** The next start comes back without its history log. */
  void loseHistoryOnNextStart() {
    loseHistoryOnStart = true;
  }

  long head() {
    return head;
  }

  Map<String, ConfigObject> objects() {
    return objects;
  }

  /** How many changes to objects ids {@code after + 1} to {@code to} carry (resets carry none). */
  long objectChangesBetween(long after, long to) {
    long count = 0;
    for (long id = after + 1; id <= to && id <= changelog.size(); id++) {
      if (changelog.get((int) id - 1).getKind() != ChangeKind.HISTORY_RESET) {
        count++;
      }
    }
    return count;
  }

  Map<String, Application> applications() {
    Map<String, Application> apps = new HashMap<>();
    objects.values().stream().filter(o -> o.getType() == ObjectType.APPLICATION)
        .forEach(o -> apps.put(o.getName(), o.getApplication()));
    return apps;
  }

  // ---- what clients ask ----------------------------------------------------------------------

  Stream.End accept(Stream stream) {
    return new Stream.End() {
      @Override
      public void receive(Message message) {
        if (message instanceof Message.SnapshotRequest) {
          network.send(stream, ConfigServerNode.this, new Message.Snapshot(Map.copyOf(objects), head));
          network.finish(stream, ConfigServerNode.this);
        } else if (message instanceof Message.GetRequest get) {
          ConfigObject object = objects.get(get.name());
          network.send(stream, ConfigServerNode.this,
              new Message.Found(object != null && object.getType() == get.type() ? object : null));
          network.finish(stream, ConfigServerNode.this);
        } else if (message instanceof Message.WatchRequest watch) {
          watch(stream, watch.after());
        } else if (message instanceof Message.FollowApplications) {
          network.send(stream, ConfigServerNode.this, new Message.Applications(applications()));
          followers.add(stream);
        } else {
          throw new IllegalStateException("the Config Server does not take " + message);
        }
      }

      @Override
      public void ended(Status status, Metadata trailers) {
        watchers.remove(stream);
        followers.remove(stream);
      }
    };
  }

  private void watch(Stream stream, long after) {
    HistoryLog.Read read = history.read(after, Integer.MAX_VALUE);
    List<ChangeEvent> replay;
    if (read instanceof HistoryLog.Events events) {
      replay = events.events();
    } else if (restoresPurgedPositions && after < head) {
      replay = history.events(); // the mutant: serve what is left as if nothing were missing
    } else {
      HistoryLog.Expired expired = (HistoryLog.Expired) read;
      network.send(stream, this, new Message.Expired(after, expired.oldestRetained(), expired.head()));
      network.finish(stream, this);
      return;
    }
    if (!replay.isEmpty()) {
      network.send(stream, this, new Message.Changes(replay));
    }
    network.send(stream, this, new Message.Progress(head));
    watchers.put(stream, head);
  }

  // ---- what changes it ---------------------------------------------------------------------------

  /** Creates or replaces an object (an operator's or an application's write). */
  void write(ConfigObject object) {
    ConfigObject previous = objects.get(object.getName());
    ConfigObject stored = object.toBuilder().setVersion(previous == null ? 1 : previous.getVersion() + 1).build();
    ChangeEvent event = ChangeEvent.newBuilder().setEventId(head + 1)
        .setKind(previous == null ? ChangeKind.CREATED : ChangeKind.UPDATED).setObject(stored)
        .setTime(Timestamps.fromMillis(time.instant().toEpochMilli())).build();
    history.append(event);
    changelog.add(event);
    head = event.getEventId();
    objects.put(stored.getName(), stored);
    for (Map.Entry<Stream, Long> watcher : watchers.entrySet()) {
      network.send(watcher.getKey(), this, new Message.Changes(List.of(event)));
      watcher.setValue(head);
    }
    if (stored.getType() == ObjectType.APPLICATION) {
      followers.forEach(f -> network.send(f, this, new Message.Applications(applications())));
    }
  }

  /** {@code tandem config expire-history}: the log is emptied and every watch is told its position expired. */
  void expireHistory() {
    reset();
    for (Map.Entry<Stream, Long> watcher : List.copyOf(watchers.entrySet())) {
      network.send(watcher.getKey(), this, new Message.Expired(watcher.getValue(), head + 1, head));
      network.finish(watcher.getKey(), this);
    }
    watchers.clear();
  }

  private void reset() {
    ChangeEvent reset = ChangeEvent.newBuilder().setEventId(head + 1).setKind(ChangeKind.HISTORY_RESET)
        .setTime(Timestamps.fromMillis(time.instant().toEpochMilli())).build();
    history.reset(reset.getEventId());
    changelog.add(reset);
    head = reset.getEventId();
  }

  /** {@code tandem config drop-sessions}: every watch breaks; clients restore their sessions. */
  void dropSessions() {
    List<Stream> all = new ArrayList<>(watchers.keySet());
    all.addAll(followers);
    all.forEach(s -> network.breakStream(s, Status.UNAVAILABLE.withDescription("sessions dropped by the operator")));
  }
}
