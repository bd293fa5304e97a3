package io.tandem.common.options;

import io.tandem.common.logging.EventLog;
import io.tandem.common.logging.LogEvent;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads typed options from option sections, falling back to the default on a bad value.
 *
 * <p>Options are re-read on every configuration change, so this reader remembers what it said:
 * it logs {@link LogEvent#OPTION_INVALID} once per new bad value and
 * {@link LogEvent#OPTION_IN_EFFECT} once per new effective value, not on every read.
 * Thread-safe.
 */
public final class OptionReader {
  private static final Logger LOG = LoggerFactory.getLogger(OptionReader.class);

  private final String owner;
  private final Map<String, String> lastInvalid = new HashMap<>();
  private final Map<String, String> lastEffective = new HashMap<>();

  /** @param owner whose options these are (an application name), for log lines */
  public OptionReader(String owner) {
    this.owner = owner;
  }

  /** The option's value in {@code sections}, or its default when absent or invalid. */
  public synchronized <T> T read(Option<T> option, Map<String, Map<String, String>> sections) {
    String raw = option.rawValue(sections);
    T value = option.defaultValue();
    String name = option.qualifiedName();
    if (raw != null) {
      try {
        value = option.parse(raw);
        lastInvalid.remove(name);
      } catch (InvalidOptionException e) {
        if (!raw.equals(lastInvalid.put(name, raw))) {
          EventLog.emit(LOG, LogEvent.OPTION_INVALID, "application", owner, "option", name,
              "value", "'" + raw + "'", "accepted", option.accepted(),
              "default", option.render(option.defaultValue()));
        }
      }
    }
    String rendered = option.render(value);
    String previous = lastEffective.put(name, rendered);
    if (!Objects.equals(previous, rendered)) {
      EventLog.emit(LOG, LogEvent.OPTION_IN_EFFECT, "application", owner, "option", name, "value", rendered,
          "previous", previous == null ? "-" : previous);
    }
    return value;
  }
}
