package io.tandem.protocol.options;

import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
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
  /** Unknown keys already reported, as section/key: reported again only after they went away and came back. */
  private final java.util.Set<String> reportedUnknown = new java.util.HashSet<>();

  /** @param owner whose options these are (an application name), for log lines */
  public OptionReader(String owner) {
    this.owner = owner;
  }

  /**
   * Reports every key of {@code read} (the sections this service reads) that is not an option
   * Tandem knows — a typo would otherwise leave the default in force without a word: alarm
   * 00-05072 with the closest known key, once each time the key appears.
   */
  public synchronized void reportUnknown(java.util.Set<String> read, Map<String, Map<String, String>> sections) {
    java.util.Set<String> present = new java.util.HashSet<>();
    for (String section : read) {
      for (String key : sections.getOrDefault(section, Map.of()).keySet()) {
        if (OptionCatalogue.knows(section, key)) {
          continue;
        }
        String name = section + "/" + key;
        present.add(name);
        if (reportedUnknown.add(name)) {
          EventLog.emit(LOG, LogEvent.OPTION_UNKNOWN, "application", owner, "section", section, "key", key,
              "closest", OptionCatalogue.closest(section, key).orElse("-"));
        }
      }
    }
    reportedUnknown.retainAll(present);
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
