package io.tandem.protocol.options;

/**
 * Turns an option's raw string into a value.
 *
 * @param <T> the value type
 */
public interface OptionParser<T> {
  /**
   * Parses a trimmed raw value.
   *
   * @throws IllegalArgumentException saying what is wrong with it
   */
  T parse(String raw);

  /** What values are accepted, e.g. {@code "true or false"}. */
  String describe();

  /** Renders a parsed value the way an operator would write it. */
  default String render(T value) {
    return String.valueOf(value);
  }
}
