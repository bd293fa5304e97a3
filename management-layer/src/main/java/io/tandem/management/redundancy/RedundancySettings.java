package io.tandem.management.redundancy;

import io.tandem.common.options.Option;
import io.tandem.common.options.OptionParsers;
import io.tandem.common.options.OptionReader;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * The Management Layer's options (section {@code management} of its Application object).
 *
 * @param disconnectSwitchoverTimeout how long a primary's stream may stay broken before its backup is promoted
 * @param switchoverTimeout deadline of a switchover: both members must acknowledge within it
 * @param flappingThreshold more mode changes than this within the window raise the flapping alarm
 * @param flappingWindow the window of the flapping alarm
 * @param heartbeatTimeout an application with no heartbeat for this long is hung (treated like a lost connection)
 */
public record RedundancySettings(Duration disconnectSwitchoverTimeout, Duration switchoverTimeout,
    long flappingThreshold, Duration flappingWindow, Duration heartbeatTimeout) {
  /** Heartbeats come this many times per heartbeat-timeout, so one or two late ones do not make an application hung. */
  static final int HEARTBEATS_PER_TIMEOUT = 5;
  private static final Duration MIN_HEARTBEAT_INTERVAL = Duration.ofMillis(40);
  private static final Duration MAX_HEARTBEAT_INTERVAL = Duration.ofSeconds(2);

  public static final Option<Duration> DISCONNECT_SWITCHOVER_TIMEOUT = Option.of("management",
      "disconnect-switchover-timeout", Duration.ofSeconds(5),
      OptionParsers.duration(ChronoUnit.SECONDS, Duration.ofMillis(100), Duration.ofMinutes(10)));
  public static final Option<Duration> SWITCHOVER_TIMEOUT = Option.of("management", "switchover-timeout",
      Duration.ofSeconds(5), OptionParsers.duration(ChronoUnit.SECONDS, Duration.ofMillis(100), Duration.ofMinutes(10)));
  public static final Option<Long> FLAPPING_THRESHOLD = Option.of("management", "flapping-threshold", 5L,
      OptionParsers.integer(1, 1000));
  public static final Option<Duration> FLAPPING_WINDOW = Option.of("management", "flapping-window",
      Duration.ofSeconds(60), OptionParsers.duration(ChronoUnit.SECONDS, Duration.ofSeconds(1), Duration.ofDays(1)));
  public static final Option<Duration> HEARTBEAT_TIMEOUT = Option.of("management", "heartbeat-timeout",
      Duration.ofSeconds(10), OptionParsers.duration(ChronoUnit.SECONDS, Duration.ofMillis(200), Duration.ofMinutes(10)));

  public static final RedundancySettings DEFAULTS = new RedundancySettings(
      DISCONNECT_SWITCHOVER_TIMEOUT.defaultValue(), SWITCHOVER_TIMEOUT.defaultValue(),
      FLAPPING_THRESHOLD.defaultValue(), FLAPPING_WINDOW.defaultValue(), HEARTBEAT_TIMEOUT.defaultValue());

  /** Reads the settings from option sections, logging bad values once. */
  public static RedundancySettings read(OptionReader reader, Map<String, Map<String, String>> sections) {
    return new RedundancySettings(reader.read(DISCONNECT_SWITCHOVER_TIMEOUT, sections),
        reader.read(SWITCHOVER_TIMEOUT, sections), reader.read(FLAPPING_THRESHOLD, sections),
        reader.read(FLAPPING_WINDOW, sections), reader.read(HEARTBEAT_TIMEOUT, sections));
  }

  /** How often applications are asked to send heartbeats: a fifth of the timeout, within 40 ms..2 s. */
  public Duration heartbeatInterval() {
    Duration interval = heartbeatTimeout.dividedBy(HEARTBEATS_PER_TIMEOUT);
    return interval.compareTo(MIN_HEARTBEAT_INTERVAL) < 0 ? MIN_HEARTBEAT_INTERVAL
        : interval.compareTo(MAX_HEARTBEAT_INTERVAL) > 0 ? MAX_HEARTBEAT_INTERVAL : interval;
  }
}
