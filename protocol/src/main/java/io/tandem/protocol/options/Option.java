package io.tandem.protocol.options;

import java.util.Map;
import java.util.Objects;

/**
 * One typed option: {@code section/key}, a default, and a parser that validates raw strings.
 *
 * @param <T> the option's value type
 */
public final class Option<T> {
  private final String section;
  private final String key;
  private final T defaultValue;
  private final OptionParser<T> parser;

  private Option(String section, String key, T defaultValue, OptionParser<T> parser) {
    this.section = Objects.requireNonNull(section, "section");
    this.key = Objects.requireNonNull(key, "key");
    this.defaultValue = Objects.requireNonNull(defaultValue, "defaultValue");
    this.parser = Objects.requireNonNull(parser, "parser");
  }

  public static <T> Option<T> of(String section, String key, T defaultValue, OptionParser<T> parser) {
    return new Option<>(section, key, defaultValue, parser);
  }

  public String section() {
    return section;
  }

  public String key() {
    return key;
  }

  /** {@code section/key}, as operators and log lines name it. */
  public String qualifiedName() {
    return section + "/" + key;
  }

  public T defaultValue() {
    return defaultValue;
  }

  /** What the parser accepts, for messages and docs/options.md ("50..60000 ms"). */
  public String accepted() {
    return parser.describe();
  }

  /**
   * Parses {@code raw}.
   *
   * @throws InvalidOptionException naming this option and the bad value
   */
  public T parse(String raw) {
    try {
      return parser.parse(raw.trim());
    } catch (IllegalArgumentException e) {
      throw new InvalidOptionException(this, raw, e.getMessage());
    }
  }

  /** {@code value} as an operator would write it. */
  public String render(T value) {
    return parser.render(value);
  }

  /** The raw value in {@code sections}, or null when the option is not set. */
  public String rawValue(Map<String, Map<String, String>> sections) {
    Map<String, String> values = sections.get(section);
    return values == null ? null : values.get(key);
  }

  @Override
  public String toString() {
    return qualifiedName();
  }
}
