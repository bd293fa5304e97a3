package io.tandem.configserver.store;

import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An application is in at most one redundant pair: it names at most one backup, is the backup of
 * at most one application, and when both, of the one it names (two applications naming each
 * other are one pair). With anything more — a second application naming the same backup, or a
 * chain {@code R -> A -> B} — {@code RedundantPairs} would have to pick a member's pair by name
 * order, and a new application could take a member out of the pair it is in.
 */
final class PairingRule {
  private static final String RULE = "; an application is in at most one pair";

  private final Map<String, String> backupOf = new TreeMap<>();
  private final Map<String, NavigableSet<String>> namedBy = new TreeMap<>();

  /** The applications as they would be with {@code written} in place of the stored versions. */
  private PairingRule(List<ConfigObject> stored, List<ConfigObject> written) {
    stored.forEach(app -> backupOf.put(app.getName(), app.getApplication().getBackup()));
    written.stream().filter(o -> o.getType() == ObjectType.APPLICATION)
        .forEach(app -> backupOf.put(app.getName(), app.getApplication().getBackup()));
    backupOf.forEach((app, backup) -> {
      if (!backup.isEmpty()) {
        namedBy.computeIfAbsent(backup, b -> new TreeSet<>()).add(app);
      }
    });
  }

  /** The applications as they would be with {@code written} (any types) in place of the stored versions. */
  static PairingRule of(List<ConfigObject> storedApplications, List<ConfigObject> written) {
    return new PairingRule(storedApplications, written);
  }

  /** What keeps {@code application}, one of those this rule was made of, from being in at most one pair, if anything. */
  Optional<Violation> violation(ConfigObject application) {
    if (application.getType() != ObjectType.APPLICATION || application.getApplication().getBackup().isEmpty()) {
      return Optional.empty();
    }
    return problem(application.getName(), application.getApplication().getBackup())
        .map(problem -> Violation.rule("application.backup", problem + RULE));
  }

  /** What keeps {@code app} naming {@code backup} from being a pair of its own, if anything. */
  private Optional<String> problem(String app, String backup) {
    Optional<String> otherPrimary = other(namedBy.getOrDefault(backup, new TreeSet<>()), app);
    if (otherPrimary.isPresent()) {
      return Optional.of("Application '" + backup + "' is already the backup of '" + otherPrimary.get() + "'");
    }
    String backupsBackup = backupOf.getOrDefault(backup, "");
    if (!backupsBackup.isEmpty() && !backupsBackup.equals(app)) {
      return Optional.of("Application '" + backup + "' already has '" + backupsBackup + "' as its backup");
    }
    return other(namedBy.getOrDefault(app, new TreeSet<>()), backup).map(primary -> "Application '" + app
        + "' is already the backup of '" + primary + "', so it cannot also have '" + backup + "' as its backup");
  }

  /** The first of {@code names} that is not {@code except}. */
  private static Optional<String> other(NavigableSet<String> names, String except) {
    return names.stream().filter(name -> !name.equals(except)).findFirst();
  }
}
