package io.tandem.common.security;

/** Long-lived calls counted per connection, each against its own cap in {@link ConnectionLimits}. */
public enum ConnectionQuota {
  /** OpenStatistic streams. */
  STATISTICS,
  /** Watch, WatchPairs and Supervise streams. */
  WATCHES,
  /** Feed streams. */
  FEEDS
}
