package io.tandem.common.security;

import picocli.CommandLine.Option;

/**
 * What one connection may hold open at once; a call past a cap is refused with
 * {@code RESOURCE_EXHAUSTED} naming the flag. A picocli mixin: every service takes the same flags.
 */
public final class ConnectionLimits {
  public static final int DEFAULT_CALLS = 20_000;
  public static final int DEFAULT_STATISTICS = 10_000;
  public static final int DEFAULT_WATCHES = 16;
  public static final int DEFAULT_FEEDS = 16;

  @Option(names = "--max-calls-per-connection", defaultValue = "" + DEFAULT_CALLS,
      description = "Calls one connection may have in progress, streams included (default ${DEFAULT-VALUE}).")
  int calls = DEFAULT_CALLS;

  @Option(names = "--max-statistics-per-connection", defaultValue = "" + DEFAULT_STATISTICS,
      description = "OpenStatistic streams one connection may have open (default ${DEFAULT-VALUE}).")
  int statistics = DEFAULT_STATISTICS;

  @Option(names = "--max-watches-per-connection", defaultValue = "" + DEFAULT_WATCHES,
      description = "Watch, WatchPairs and Supervise streams one connection may have open (default ${DEFAULT-VALUE}).")
  int watches = DEFAULT_WATCHES;

  @Option(names = "--max-feeds-per-connection", defaultValue = "" + DEFAULT_FEEDS,
      description = "Feed streams one connection may have open (default ${DEFAULT-VALUE}).")
  int feeds = DEFAULT_FEEDS;

  /** The defaults. */
  public static ConnectionLimits defaults() {
    return new ConnectionLimits();
  }

  /** Limits given in code (tests, embedded servers). */
  public static ConnectionLimits of(int calls, int statistics, int watches, int feeds) {
    ConnectionLimits limits = new ConnectionLimits();
    limits.calls = calls;
    limits.statistics = statistics;
    limits.watches = watches;
    limits.feeds = feeds;
    return limits.validated();
  }

  /** The flag that caps all calls. */
  static String callsFlag() {
    return "--max-calls-per-connection";
  }

  int calls() {
    return calls;
  }

  int cap(ConnectionQuota quota) {
    return switch (quota) {
      case STATISTICS -> statistics;
      case WATCHES -> watches;
      case FEEDS -> feeds;
    };
  }

  static String flag(ConnectionQuota quota) {
    return switch (quota) {
      case STATISTICS -> "--max-statistics-per-connection";
      case WATCHES -> "--max-watches-per-connection";
      case FEEDS -> "--max-feeds-per-connection";
    };
  }

  /**
   * Checks the values after parsing.
   *
   * @throws IllegalArgumentException naming the flag whose value is below 1
   */
  public ConnectionLimits validated() {
    if (calls < 1) {
      throw new IllegalArgumentException(callsFlag() + ": " + calls + " is below 1");
    }
    for (ConnectionQuota quota : ConnectionQuota.values()) {
      if (cap(quota) < 1) {
        throw new IllegalArgumentException(flag(quota) + ": " + cap(quota) + " is below 1");
      }
    }
    return this;
  }
}
