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

  OpenStatistic(String id, String owner, StatKey key, StatisticType type, NotificationMode mode, double insensitivity,
      long periodMs, StatisticSink sink, Totals baseline, long nowMs) {
    this.id = id;
    this.owner = owner;
    this.key = key;
    this.type = type;
    this.mode = mode;
    this.insensitivity = insensitivity;
    this.periodMs = periodMs;
    this.sink = sink;
    this.baseline = baseline;
    this.nextDueMs = nowMs + periodMs;
  }

  boolean periodic() {
    return mode == NotificationMode.PERIODICAL || mode == NotificationMode.RESET;
  }
}
