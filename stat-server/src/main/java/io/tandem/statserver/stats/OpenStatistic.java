package io.tandem.statserver.stats;

import io.tandem.stat.v1.NotificationMode;
import io.tandem.stat.v1.StatisticType;
import io.tandem.stat.v1.StatisticValue;

/** A statistic a client opened: what, how it notifies, and where values go. */
final class OpenStatistic {
  final String id;
  /** The identity that opened it: only it may read or close it by id. */
  final String owner;
  final StatKey key;
  final StatisticType type;
  final NotificationMode mode;
  final double insensitivity;
  final long periodMs;
  final StatisticSink sink;
  /**
   * Totals when opened or last reset: totals and averages count from here. Read by callers'
   * threads too: replaced (never changed in place) on the engine thread.
   */
  volatile Totals baseline;
  StatisticValue lastSent;
  long nextDueMs;

  OpenStatistic(String id, String owner, StatKey key, StatisticType type, StatisticRequests.Notifying notifying,
      StatisticSink sink, Totals baseline, long nowMs) {
    this.id = id;
    this.owner = owner;
    this.key = key;
    this.type = type;
    this.mode = notifying.mode();
    this.insensitivity = notifying.insensitivity();
    this.periodMs = notifying.periodMs();
    this.sink = sink;
    this.baseline = baseline;
    this.nextDueMs = nowMs + periodMs;
  }

  boolean periodic() {
    return mode == NotificationMode.PERIODICAL || mode == NotificationMode.RESET;
  }

  /** The notification policy of an IMMEDIATE statistic: whether {@code value} differs enough from the last one sent. */
  boolean changedEnough(StatisticValue.Builder value) {
    StatisticValue last = lastSent;
    if (last == null) {
      return true;
    }
    return switch (value.getValueCase()) {
      case AGENT_STATE -> value.getAgentState().getState() != last.getAgentState().getState();
      case COUNT -> Math.abs(value.getCount() - last.getCount()) >= Math.max(insensitivity, Double.MIN_VALUE);
      case AVERAGE -> value.getAverage().getCalls() != last.getAverage().getCalls()
          && Math.abs(value.getAverage().getAverageMs() - last.getAverage().getAverageMs()) >= insensitivity;
      default -> false;
    };
  }
}
