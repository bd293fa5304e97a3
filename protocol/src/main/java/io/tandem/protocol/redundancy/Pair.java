package io.tandem.protocol.redundancy;

import io.tandem.protocol.pairs.RedundantPairs;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.PairMemory;
import io.tandem.management.v1.SwitchoverCause;
import io.tandem.management.v1.SwitchoverRecord;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/** What the controller knows of one primary/backup pair: its members, epoch and switchovers. */
final class Pair {
  Member first;
  Member second;
  long epoch;
  Switchovers.InFlight inFlight;
  /** A switchover the primary asked for that waits for its backup to be ready. */
  SwitchoverCause deferred;
  SwitchoverRecord last;
  /** What the previous leader kept of this pair; null when nothing was kept. */
  PairMemory remembered;
  /** When its primary changed hands, within the flapping window. */
  final Deque<Instant> modeChanges = new ArrayDeque<>();
  Instant lastFlappingAlarm;

  Pair(Member first, Member second) {
    this.first = first;
    this.second = second;
  }

  Member primary() {
    return first.mode == Mode.PRIMARY ? first : second.mode == Mode.PRIMARY ? second : null;
  }

  Member other(Member m) {
    return m == first ? second : first;
  }

  boolean sameMembers(RedundantPairs.Pair wanted) {
    return wanted.contains(first.name) && wanted.contains(second.name);
  }

  String describe() {
    return first.name + "/" + second.name;
  }
}
