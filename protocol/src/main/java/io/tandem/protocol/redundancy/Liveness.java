package io.tandem.protocol.redundancy;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * How long an application has really been silent: the time since its last heartbeat, less the
 * times this Management Layer's process did not run (stopped, in a long garbage collection,
 * starved). Heartbeats sent meanwhile waited in the sockets, so those spans count as nobody's
 * silence.
 */
final class Liveness {
  /**
   * When this process did not run (disjoint spans, by start), kept as far back as the oldest last
   * heartbeat still needed.
   */
  private final TreeMap<Instant, Instant> pauses = new TreeMap<>();

  static Instant latest(Instant a, Instant b) {
    return a == null || b.isAfter(a) ? b : a;
  }

  /** How long an application last heard at {@code lastHeard} has been silent: the time since, less this process's pauses. */
  Duration silence(Instant lastHeard, Instant now) {
    Duration silent = Duration.between(lastHeard, now);
    for (Map.Entry<Instant, Instant> pause : pauses.entrySet()) {
      Instant from = latest(pause.getKey(), lastHeard);
      Instant to = pause.getValue().isAfter(now) ? now : pause.getValue();
      if (to.isAfter(from)) {
        silent = silent.minus(Duration.between(from, to));
      }
    }
    return silent;
  }

  /** Adds a pause; a span reported twice (once going on, once whole) counts once. */
  void notePause(Pause pause) {
    Instant from = pause.from();
    Instant to = pause.to();
    if (!to.isAfter(from)) {
      return;
    }
    Map.Entry<Instant, Instant> before = pauses.floorEntry(from);
    if (before != null && !before.getValue().isBefore(from)) {
      from = before.getKey();
      to = latest(to, before.getValue());
    }
    for (Map.Entry<Instant, Instant> overlapping = pauses.ceilingEntry(from);
        overlapping != null && !overlapping.getKey().isAfter(to); overlapping = pauses.ceilingEntry(from)) {
      to = latest(to, overlapping.getValue());
      pauses.remove(overlapping.getKey());
    }
    pauses.put(from, to);
  }

  /**
   * Pauses that ended before every live application's (or waiting instance's) last heartbeat count
   * for nobody.
   */
  void forgetPausesBefore(Iterable<Member> members, Instant now) {
    Instant oldest = now;
    for (Member m : members) {
      if (m.alive() && m.lastHeartbeat.isBefore(oldest)) {
        oldest = m.lastHeartbeat;
      }
      if (m.newcomer != null && m.newcomer.lastHeartbeat.isBefore(oldest)) {
        oldest = m.newcomer.lastHeartbeat;
      }
    }
    Instant needed = oldest;
    pauses.headMap(needed).entrySet().removeIf(pause -> !pause.getValue().isAfter(needed));
  }
}
