package io.tandem.simulation;

import java.util.ArrayList;
import java.util.List;

/**
 * What happened in a run, one line per event worth reading: faults, the decisions' log events,
 * mode commands and acknowledgements. Kept only when asked for (a replay, or a failing run being
 * printed), so that the thousands of passing runs cost no string formatting.
 */
final class Trace {
  private final boolean enabled;
  private final List<String> lines = new ArrayList<>();

  Trace(boolean enabled) {
    this.enabled = enabled;
  }

  boolean enabled() {
    return enabled;
  }

  void note(long now, String node, String what) {
    if (enabled) {
      lines.add(String.format("%8d ms  %-16s %s", now, node, what));
    }
  }

  List<String> lines() {
    return lines;
  }
}
