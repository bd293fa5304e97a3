package io.tandem.cli.pair;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** How the commands print a moment: the time of day here, to the millisecond ({@code 10:00:00.000}). */
final class TimeOfDay {
  private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
      .withZone(ZoneId.systemDefault());

  private TimeOfDay() {}

  static String of(long epochMs) {
    return FORMAT.format(Instant.ofEpochMilli(epochMs));
  }
}
