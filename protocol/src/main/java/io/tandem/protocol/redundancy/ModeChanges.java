package io.tandem.protocol.redundancy;

import io.tandem.protocol.log.LogEvent;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts the mode changes of each pair — its primary changed hands: a switchover or failover done,
 * a pair formed that made one of two primaries backup, a primary chosen for a pair that had none —
 * and raises the flapping alarm when there are too many within the window. Not a member's first
 * mode, nor an epoch a member's hello brings.
 */
final class ModeChanges {
  private final PairState state;
  /** Mode changes since this controller started, by pair ("first/second"); never reset. */
  private final Map<String, Long> byPair = new TreeMap<>();

  ModeChanges(PairState state) {
    this.state = state;
  }

  /** A mode change of {@code pair} {@code now}. */
  void note(Pair pair, Instant now, List<Action> actions) {
    RedundancySettings settings = state.settings();
    byPair.merge(pair.describe(), 1L, Long::sum);
    pair.modeChanges.addLast(now);
    Instant windowStart = now.minus(settings.flappingWindow());
    while (!pair.modeChanges.isEmpty() && pair.modeChanges.peekFirst().isBefore(windowStart)) {
      pair.modeChanges.removeFirst();
    }
    if (pair.modeChanges.size() > settings.flappingThreshold()
        && (pair.lastFlappingAlarm == null || !now.isBefore(pair.lastFlappingAlarm.plus(settings.flappingWindow())))) {
      pair.lastFlappingAlarm = now;
      actions.add(new Action.Log(LogEvent.FLAPPING, "pair", pair.describe(), "mode_changes", pair.modeChanges.size(),
          "window_s", settings.flappingWindow().toSeconds(), "threshold", settings.flappingThreshold()));
    }
  }

  /** Mode changes of {@code pair} within the flapping window that ends {@code now}. */
  int recent(Pair pair, Instant now) {
    Instant windowStart = now.minus(state.settings().flappingWindow());
    return (int) pair.modeChanges.stream().filter(t -> !t.isBefore(windowStart)).count();
  }

  /** Mode changes since this controller started, by pair ("first/second"). */
  Map<String, Long> byPair() {
    return Collections.unmodifiableMap(byPair);
  }
}
