package io.tandem.statserver.stats;

import io.grpc.Status;
import io.tandem.stat.v1.NotificationMode;
import io.tandem.stat.v1.StatisticValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The open statistics and their notification policy: which statistic is sent which value, and
 * when. Pure: the {@link Activity} it reads and the time are given, values go to each statistic's
 * sink; no thread, no clock. Not thread-safe — the engine thread owns it — except {@link #find}
 * and {@link #count}, which callers' threads use.
 *
 * <ul>
 *   <li>{@code IMMEDIATE}: a value whenever its object changed enough ({@link OpenStatistic#changedEnough});
 *   <li>{@code PERIODICAL}: a value every period; {@code RESET}: the same, then totals start again;
 *   <li>{@code NONE}: the first value only.
 * </ul>
 */
final class Subscriptions {
  private final Activity activity;
  private final Map<StatKey, List<OpenStatistic>> byObject = new HashMap<>();
  private final Map<String, OpenStatistic> byId = new ConcurrentHashMap<>();
  private volatile int count;

  Subscriptions(Activity activity) {
    this.activity = activity;
  }

  /** Adds {@code stat} and sends its first value. */
  void open(OpenStatistic stat, long nowMs) {
    byId.put(stat.id, stat);
    byObject.computeIfAbsent(stat.key, k -> new ArrayList<>(1)).add(stat);
    count = byId.size();
    send(stat, nowMs);
  }

  /** {@code owner}'s open statistic {@code id}, or null: not there and another's look the same. Any thread. */
  OpenStatistic find(String id, String owner) {
    OpenStatistic stat = byId.get(id);
    return stat != null && stat.owner.equals(owner) ? stat : null;
  }

  /** Ends {@code owner}'s statistic {@code id} with a last value; false when {@code owner} has none by that id. */
  boolean close(String id, String owner, long nowMs) {
    OpenStatistic stat = find(id, owner);
    if (stat == null) {
      return false;
    }
    remove(stat);
    stat.sink.closed(value(stat, nowMs).setClosedReason("closed by client").build());
    return true;
  }

  /** Its client went away: forgotten, nothing sent. */
  void forget(String id) {
    OpenStatistic stat = byId.get(id);
    if (stat != null) {
      remove(stat);
    }
  }

  /** Every statistic ends with {@code status}. */
  void failAll(Status status) {
    for (OpenStatistic stat : List.copyOf(byId.values())) {
      remove(stat);
      stat.sink.failed(status);
    }
  }

  /** {@code key}'s activity changed: its {@code IMMEDIATE} statistics that moved enough get the new value. */
  void changed(StatKey key, long nowMs) {
    List<OpenStatistic> stats = byObject.get(key);
    if (stats == null) {
      return;
    }
    for (OpenStatistic stat : stats) {
      if (stat.mode == NotificationMode.IMMEDIATE) {
        StatisticValue.Builder value = value(stat, nowMs);
        if (stat.changedEnough(value)) {
          stat.lastSent = value.build();
          stat.sink.offer(stat.lastSent);
        }
      }
    }
  }

  /** Periodic statistics whose period is up get their value; {@code RESET} ones then count from zero again. */
  void due(long nowMs) {
    for (OpenStatistic stat : byId.values()) {
      if (stat.periodic() && nowMs >= stat.nextDueMs) {
        send(stat, nowMs);
        if (stat.mode == NotificationMode.RESET) {
          stat.baseline = activity.totals(stat.key).copy();
        }
        stat.nextDueMs = nowMs + stat.periodMs;
      }
    }
  }

  /** {@code key}'s object is gone: its statistics end with a last value whose closed reason is {@code reason}. */
  List<OpenStatistic> closeObject(StatKey key, String reason, long nowMs) {
    List<OpenStatistic> stats = byObject.get(key);
    if (stats == null) {
      return List.of();
    }
    List<OpenStatistic> closed = List.copyOf(stats);
    for (OpenStatistic stat : closed) {
      remove(stat);
      stat.sink.closed(value(stat, nowMs).setClosedReason(reason).build());
    }
    return closed;
  }

  /** The objects some statistic is open on. */
  Set<StatKey> objects() {
    return Set.copyOf(byObject.keySet());
  }

  /** Open statistics now. Any thread. */
  int count() {
    return count;
  }

  private void send(OpenStatistic stat, long nowMs) {
    stat.lastSent = value(stat, nowMs).build();
    stat.sink.offer(stat.lastSent);
  }

  /** {@code stat}'s value from the live activity. */
  private StatisticValue.Builder value(OpenStatistic stat, long nowMs) {
    return StatisticValues.render(stat.key, stat.type, stat.baseline, activity.readingOf(stat.key), nowMs)
        .setStatisticId(stat.id);
  }

  private void remove(OpenStatistic stat) {
    byId.remove(stat.id);
    List<OpenStatistic> stats = byObject.get(stat.key);
    if (stats != null) {
      stats.remove(stat);
      if (stats.isEmpty()) {
        byObject.remove(stat.key);
      }
    }
    count = byId.size();
  }
}
