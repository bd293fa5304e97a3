package io.tandem.protocol.options;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsers for the kinds of options Tandem has. */
public final class OptionParsers {
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?", Pattern.CASE_INSENSITIVE);
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(k|kb|kib|m|mb|mib|g|gb|gib)?", Pattern.CASE_INSENSITIVE);

  private OptionParsers() {}

  /** {@code true}/{@code false}; {@code yes}/{@code no} are accepted too, in any case. */
  public static OptionParser<Boolean> bool() {
    return new OptionParser<>() {
      @Override
      public Boolean parse(String raw) {
        return switch (raw.toLowerCase(Locale.ROOT)) {
          case "true", "yes" -> true;
          case "false", "no" -> false;
          default -> throw new IllegalArgumentException("not a boolean");
        };
      }

      @Override
      public String describe() {
        return "true/false or yes/no";
      }
    };
  }

  /** A whole number within {@code [min, max]}. */
  public static OptionParser<Long> integer(long min, long max) {
    return new OptionParser<>() {
      @Override
      public Long parse(String raw) {
        long value;
        try {
          value = Long.parseLong(raw);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("not a whole number");
        }
        if (value < min || value > max) {
          throw new IllegalArgumentException("out of range");
        }
        return value;
      }

      @Override
      public String describe() {
        return min + ".." + max;
      }
    };
  }

  /**
   * A duration within {@code [min, max]}: a whole number in {@code unit}, or a number with a
   * suffix {@code ms}, {@code s}, {@code m}, {@code h} or {@code d} ("500ms", "5s", "30d").
   */
  public static OptionParser<Duration> duration(ChronoUnit unit, Duration min, Duration max) {
    return new OptionParser<>() {
      @Override
      public Duration parse(String raw) {
        Matcher m = DURATION.matcher(raw);
        if (!m.matches()) {
          throw new IllegalArgumentException("not a duration");
        }
        Duration value;
        try {
          long amount = Long.parseLong(m.group(1));
          value = m.group(2) == null ? Duration.of(amount, unit) : Duration.of(amount, suffixUnit(m.group(2)));
        } catch (ArithmeticException | NumberFormatException e) {
          throw new IllegalArgumentException("too large");
        }
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
          throw new IllegalArgumentException("out of range");
        }
        return value;
      }

      @Override
      public String describe() {
        return render(min) + ".." + render(max) + " (plain number = " + unitName(unit)
            + "; suffixes ms, s, m, h, d)";
      }

      @Override
      public String render(Duration value) {
        return Durations.render(value);
      }
    };
  }

  /**
   * A size in bytes within {@code [min, max]}: a whole number of bytes, or with a suffix
   * {@code k}, {@code m} or {@code g} (binary: {@code 32m} is 32 MiB; {@code KiB}, {@code MB} ... too).
   */
  public static OptionParser<Long> bytes(long min, long max) {
    return new OptionParser<>() {
      @Override
      public Long parse(String raw) {
        Matcher m = SIZE.matcher(raw);
        if (!m.matches()) {
          throw new IllegalArgumentException("not a size");
        }
        long value;
        try {
          long amount = Long.parseLong(m.group(1));
          long unit = m.group(2) == null ? 1 : switch (Character.toLowerCase(m.group(2).charAt(0))) {
            case 'k' -> 1024L;
            case 'm' -> 1024L * 1024;
            default -> 1024L * 1024 * 1024;
          };
          value = Math.multiplyExact(amount, unit);
        } catch (ArithmeticException | NumberFormatException e) {
          throw new IllegalArgumentException("too large");
        }
        if (value < min || value > max) {
          throw new IllegalArgumentException("out of range");
        }
        return value;
      }

      @Override
      public String describe() {
        return render(min) + ".." + render(max) + " (plain number = bytes; suffixes k, m, g)";
      }

      @Override
      public String render(Long value) {
        long v = value;
        if (v % (1024L * 1024 * 1024) == 0) {
          return v / (1024L * 1024 * 1024) + "g";
        }
        if (v % (1024L * 1024) == 0) {
          return v / (1024L * 1024) + "m";
        }
        return v % 1024 == 0 ? v / 1024 + "k" : Long.toString(v);
      }
    };
  }

  private static ChronoUnit suffixUnit(String suffix) {
    return switch (suffix.toLowerCase(Locale.ROOT)) {
      case "ms" -> ChronoUnit.MILLIS;
      case "s" -> ChronoUnit.SECONDS;
      case "m" -> ChronoUnit.MINUTES;
      case "h" -> ChronoUnit.HOURS;
      case "d" -> ChronoUnit.DAYS;
      default -> throw new IllegalArgumentException("unknown unit " + suffix);
    };
  }

  private static String unitName(ChronoUnit unit) {
    return switch (unit) {
      case MILLIS -> "milliseconds";
      case SECONDS -> "seconds";
      case MINUTES -> "minutes";
      case HOURS -> "hours";
      case DAYS -> "days";
      default -> unit.toString().toLowerCase(Locale.ROOT);
    };
  }
}
