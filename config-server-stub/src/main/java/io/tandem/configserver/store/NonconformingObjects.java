package io.tandem.configserver.store;

import static io.tandem.configserver.store.ObjectValidator.describe;

import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stored objects that break today's limits or rules: a data directory written by an earlier
 * version may hold them. They are found at start (alarm 21-20023 names each and what it breaks),
 * served as they are — refusing to start would leave no way to repair them, as only a write can —
 * and followed until writes repair or delete them (21-20024). Not thread-safe: the
 * {@link ConfigStore} calls it under its lock, except {@link #count}.
 */
final class NonconformingObjects {
  private static final Logger LOG = LoggerFactory.getLogger(NonconformingObjects.class);

  private record Key(ObjectType type, String name) {
    @Override
    public String toString() {
      return describe(type, name);
    }
  }

  private final ObjectTable table;
  private final Set<Key> found = new LinkedHashSet<>();
  private volatile int count;

  NonconformingObjects(ObjectTable table) {
    this.table = table;
  }

  /** What {@code stored} breaks in the store as it is now: its own rules and limits, and the pairs. */
  List<Violation> of(ConfigObject stored) {
    return of(stored, storedPairs());
  }

  private List<Violation> of(ConfigObject stored, PairingRule pairs) {
    List<Violation> violations = new ArrayList<>(ObjectValidator.check(stored, table::contains).violations());
    pairs.violation(stored).ifPresent(violations::add);
    return violations;
  }

  private PairingRule storedPairs() {
    return PairingRule.of(table.list(Set.of(ObjectType.APPLICATION)), List.of());
  }

  /** Checks every stored object (after recovery and the bootstrap), naming each that breaks anything. */
  void findAll() {
    PairingRule pairs = storedPairs();
    for (ConfigObject stored : table.list(ConfigStore.TYPES)) {
      List<Violation> violations = of(stored, pairs);
      if (!violations.isEmpty()) {
        Key key = new Key(stored.getType(), stored.getName());
        found.add(key);
        EventLog.emit(LOG, LogEvent.STORED_OBJECT_NONCONFORMING, "object", key, "problems", violations.stream()
            .map(v -> v.field().isEmpty() ? v.problem() : v.field() + ": " + v.problem())
            .collect(Collectors.joining(" | ")));
      }
    }
    count = found.size();
  }

  /** After a write: which of the objects found are repaired or deleted now. */
  void recheck() {
    if (found.isEmpty()) {
      return;
    }
    PairingRule pairs = storedPairs();
    for (Iterator<Key> keys = found.iterator(); keys.hasNext();) {
      Key key = keys.next();
      ConfigObject stored = table.get(key.type(), key.name());
      if (stored == null || of(stored, pairs).isEmpty()) {
        keys.remove();
        EventLog.emit(LOG, LogEvent.STORED_OBJECT_CONFORMING, "object", key, "by", stored == null ? "deletion" : "a write");
      }
    }
    count = found.size();
  }

  /** How many stored objects break a limit or a rule now; lock-free. */
  int count() {
    return count;
  }
}
