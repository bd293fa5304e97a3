package io.tandem.protocol.options;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Every option Tandem reads from an Application object, by section: the one list the services
 * read their options from, the unknown-key alarm (00-05072) checks against, and
 * {@code tandem config set-option} warns with. docs/options.md lists the same.
 */
public final class OptionCatalogue {
  public static final String STATSERVER = "statserver";
  public static final String MANAGEMENT = "management";
  public static final String HISTORY_LOG = "history-log";
  public static final String CONFSERV = "confserv";

  // ---- Stat Server (statserver) --------------------------------------------------------------
  public static final Option<Boolean> CONFIG_RELOAD_DELAY_IF_PRIMARY =
      Option.of(STATSERVER, "config-reload-delay-if-primary", false, OptionParsers.bool());
  public static final Option<Boolean> ACCEPT_CLIENTS_IN_BACKUP_MODE =
      Option.of(STATSERVER, "accept-clients-in-backup-mode", true, OptionParsers.bool());
  /** A normal-mode reload keeps the client port serving the configuration in hand until the swap. */
  public static final Option<Boolean> SERVE_DURING_RELOAD =
      Option.of(STATSERVER, "serve-during-reload", false, OptionParsers.bool());
  public static final Option<Duration> BACKUP_CHECK_INTERVAL = Option.of(STATSERVER, "backup-check-interval",
      Duration.ofMillis(1000), OptionParsers.duration(ChronoUnit.MILLIS, Duration.ofMillis(50), Duration.ofMillis(60_000)));
  public static final Option<Duration> PROTECTED_MODE_MAX_DURATION = Option.of(STATSERVER,
      "protected-mode-max-duration", Duration.ZERO,
      OptionParsers.duration(ChronoUnit.SECONDS, Duration.ZERO, Duration.ofDays(7)));
  public static final Option<Long> RELOAD_FEED_BUFFER = Option.of(STATSERVER, "reload-feed-buffer", 32L * 1024 * 1024,
      OptionParsers.bytes(1024L * 1024, 1024L * 1024 * 1024));

  // ---- Management Layer (management) --------------------------------------------------------
  public static final Option<Duration> DISCONNECT_SWITCHOVER_TIMEOUT = Option.of(MANAGEMENT,
      "disconnect-switchover-timeout", Duration.ofSeconds(5),
      OptionParsers.duration(ChronoUnit.SECONDS, Duration.ofMillis(100), Duration.ofMinutes(10)));
  public static final Option<Duration> SWITCHOVER_TIMEOUT = Option.of(MANAGEMENT, "switchover-timeout",
      Duration.ofSeconds(5), OptionParsers.duration(ChronoUnit.SECONDS, Duration.ofMillis(100), Duration.ofMinutes(10)));
  public static final Option<Long> FLAPPING_THRESHOLD = Option.of(MANAGEMENT, "flapping-threshold", 5L,
      OptionParsers.integer(1, 1000));
  public static final Option<Duration> FLAPPING_WINDOW = Option.of(MANAGEMENT, "flapping-window",
      Duration.ofSeconds(60), OptionParsers.duration(ChronoUnit.SECONDS, Duration.ofSeconds(1), Duration.ofDays(1)));
  /** The smallest {@code heartbeat-timeout} accepted: four of the Management Layer's 50 ms ticks. */
  public static final Duration HEARTBEAT_TIMEOUT_MIN = Duration.ofMillis(200);
  public static final Option<Duration> HEARTBEAT_TIMEOUT = Option.of(MANAGEMENT, "heartbeat-timeout",
      Duration.ofSeconds(10), OptionParsers.duration(ChronoUnit.SECONDS, HEARTBEAT_TIMEOUT_MIN, Duration.ofMinutes(10)));

  /** With several Management Layers over etcd: the leader's lease; it commands for two thirds of it per renewal. */
  public static final Option<Duration> LEADER_LEASE = Option.of(MANAGEMENT, "leader-lease", Duration.ofSeconds(6),
      OptionParsers.duration(ChronoUnit.SECONDS, Duration.ofSeconds(2), Duration.ofMinutes(1)));

  // ---- Config Server (history-log, confserv) -------------------------------------------------
  /** Most events a resuming client may need; older ones are purged. */
  public static final Option<Long> MAX_RECORDS = Option.of(HISTORY_LOG, "max-records", 1000L,
      OptionParsers.integer(1, 10_000_000));
  /** How long an event stays in the history log. Plain number = days. */
  public static final Option<Duration> EXPIRATION = Option.of(HISTORY_LOG, "expiration", Duration.ofDays(30),
      OptionParsers.duration(ChronoUnit.DAYS, Duration.ofMillis(100), Duration.ofDays(3650)));
  /** How often an idle watcher is told the head. Plain number = milliseconds. */
  public static final Option<Duration> PROGRESS_INTERVAL = Option.of(CONFSERV, "progress-interval",
      Duration.ofSeconds(1), OptionParsers.duration(ChronoUnit.MILLIS, Duration.ofMillis(50), Duration.ofMinutes(10)));

  private static final List<Option<?>> ALL = List.of(
      CONFIG_RELOAD_DELAY_IF_PRIMARY, ACCEPT_CLIENTS_IN_BACKUP_MODE, SERVE_DURING_RELOAD, BACKUP_CHECK_INTERVAL, PROTECTED_MODE_MAX_DURATION,
      RELOAD_FEED_BUFFER,
      DISCONNECT_SWITCHOVER_TIMEOUT, SWITCHOVER_TIMEOUT, FLAPPING_THRESHOLD, FLAPPING_WINDOW, HEARTBEAT_TIMEOUT,
      LEADER_LEASE, MAX_RECORDS, EXPIRATION, PROGRESS_INTERVAL);
  private static final Map<String, Set<String>> KEYS = ALL.stream().collect(Collectors.groupingBy(Option::section,
      TreeMap::new, Collectors.mapping(Option::key, Collectors.toCollection(java.util.TreeSet::new))));

  private OptionCatalogue() {}

  /** Every option, in the order above. */
  public static List<Option<?>> all() {
    return ALL;
  }

  /** Whether Tandem reads options from {@code section}. */
  public static boolean knowsSection(String section) {
    return KEYS.containsKey(section);
  }

  /** Whether {@code section/key} is an option Tandem reads. */
  public static boolean knows(String section, String key) {
    return KEYS.getOrDefault(section, Set.of()).contains(key);
  }

  /** The known key of {@code section} closest to {@code key} (fewest edits), for "did you mean". */
  public static Optional<String> closest(String section, String key) {
    return KEYS.getOrDefault(section, Set.of()).stream()
        .min(Comparator.comparingInt((String known) -> editDistance(known, key)).thenComparing(known -> known));
  }

  /** Levenshtein distance: insertions, deletions and substitutions. */
  static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
