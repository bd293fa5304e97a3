package io.tandem.protocol.redundancy;

import io.tandem.protocol.link.Keepalive;
import io.tandem.protocol.options.OptionCatalogue;
import io.tandem.protocol.options.OptionReader;
import java.time.Duration;
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

  public static final RedundancySettings DEFAULTS = new RedundancySettings(
      OptionCatalogue.DISCONNECT_SWITCHOVER_TIMEOUT.defaultValue(), OptionCatalogue.SWITCHOVER_TIMEOUT.defaultValue(),
      OptionCatalogue.FLAPPING_THRESHOLD.defaultValue(), OptionCatalogue.FLAPPING_WINDOW.defaultValue(), OptionCatalogue.HEARTBEAT_TIMEOUT.defaultValue());

  /** Reads the settings from option sections, logging bad values once. */
  public static RedundancySettings read(OptionReader reader, Map<String, Map<String, String>> sections) {
    reader.reportUnknown(java.util.Set.of(OptionCatalogue.MANAGEMENT), sections);
    return new RedundancySettings(reader.read(OptionCatalogue.DISCONNECT_SWITCHOVER_TIMEOUT, sections),
        reader.read(OptionCatalogue.SWITCHOVER_TIMEOUT, sections), reader.read(OptionCatalogue.FLAPPING_THRESHOLD, sections),
        reader.read(OptionCatalogue.FLAPPING_WINDOW, sections), reader.read(OptionCatalogue.HEARTBEAT_TIMEOUT, sections));
  }

  /**
   * How long an application refused because another instance of it looks alive keeps asking:
   * within this an instance that only looks alive — a frozen process, or one behind a half-open
   * connection — is found hung (heartbeat-timeout) or lost (keepalive), and the new one accepted.
   */
  public Duration duplicateRetryWindow() {
    return heartbeatTimeout.plus(Keepalive.TIME).plus(Keepalive.TIMEOUT);
  }

  /** How often applications are asked to send heartbeats: a fifth of the timeout, within 40 ms..2 s. */
  public Duration heartbeatInterval() {
    Duration interval = heartbeatTimeout.dividedBy(HEARTBEATS_PER_TIMEOUT);
    return interval.compareTo(MIN_HEARTBEAT_INTERVAL) < 0 ? MIN_HEARTBEAT_INTERVAL
        : interval.compareTo(MAX_HEARTBEAT_INTERVAL) > 0 ? MAX_HEARTBEAT_INTERVAL : interval;
  }
}
