package io.tandem.configserver.store;

import io.tandem.common.options.Option;
import io.tandem.common.options.OptionParsers;
import java.time.Duration;
import java.time.temporal.ChronoUnit;

/** The Config Server's own options, read from its Application object. */
public final class ServerOptions {
  private ServerOptions() {}

  /** Most events a resuming client may need; older ones are purged. */
  public static final Option<Long> MAX_RECORDS =
      Option.of("history-log", "max-records", 1000L, OptionParsers.integer(1, 10_000_000));

  /** How long an event stays in the history log. Plain number = days. */
  public static final Option<Duration> EXPIRATION = Option.of("history-log", "expiration", Duration.ofDays(30),
      OptionParsers.duration(ChronoUnit.DAYS, Duration.ofMillis(100), Duration.ofDays(3650)));

  /** How often an idle watcher is told the head. Plain number = milliseconds. */
  public static final Option<Duration> PROGRESS_INTERVAL = Option.of("confserv", "progress-interval",
      Duration.ofSeconds(1), OptionParsers.duration(ChronoUnit.MILLIS, Duration.ofMillis(50), Duration.ofMinutes(10)));
}
