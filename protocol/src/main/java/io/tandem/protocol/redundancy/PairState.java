package io.tandem.protocol.redundancy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Everything the controller knows: the members by name, the pairs, the epochs it may issue and
 * the settings they are judged by. The classes that decide change it; none keeps state of its own
 * about a member.
 */
final class PairState {
  private RedundancySettings settings;
  private final Map<String, Member> members = new TreeMap<>();
  private final List<Pair> pairs = new ArrayList<>();
  /**
   * The least epoch this controller issues: one above the highest any earlier Management Layer
   * recorded in the epoch ledger before a command carried it. A restarted Management Layer knows
   * only the epochs its members claim; one it has not heard from (dead, or frozen and still
   * believing it is primary) may hold a higher one, so counting on from the claims could issue
   * that epoch again. Counting on from the ledger never does, whatever the clock says.
   */
  private final long epochFloor;

  PairState(RedundancySettings settings, long epochsAbove) {
    Epochs.problem(epochsAbove).ifPresent(problem -> {
      throw new IllegalArgumentException("epochsAbove: " + problem);
    });
    this.settings = settings;
    this.epochFloor = epochsAbove + 1;
  }

  RedundancySettings settings() {
    return settings;
  }

  void settings(RedundancySettings newSettings) {
    settings = newSettings;
  }

  /** The member named {@code application}; null when it was never configured. */
  Member member(String application) {
    return members.get(application);
  }

  /** The member named {@code application}, made if it was not known yet. */
  Member memberNamed(String application, Instant now) {
    return members.computeIfAbsent(application, n -> {
      // A member not heard from since this Management Layer started may still run as primary under
      // an epoch this one does not know: it counts as lost since now, so its peer waits out the
      // failover timeout before it is made primary in its place.
      Member m = new Member(n);
      m.lostAt = now;
      return m;
    });
  }

  /** Every member ever configured, by name. */
  Collection<Member> members() {
    return members.values();
  }

  /** The pairs, in the order they were formed. */
  List<Pair> pairs() {
    return pairs;
  }

  /** Why this controller cannot believe a member's claim of {@code claimed}, or empty. */
  Optional<String> claimProblem(long claimed) {
    return Epochs.claimProblem(claimed, epochFloor);
  }

  /** The epoch after {@code current}: never one a previous Management Layer could have issued. */
  long nextEpoch(long current) {
    return Math.max(Math.addExact(current, 1), epochFloor);
  }

  /** Whether {@code m}, not alive, may still return as it was: lost less than the failover timeout ago. */
  boolean withinGrace(Member m, Instant now) {
    return m.lostAt != null && now.isBefore(m.lostAt.plus(settings.disconnectSwitchoverTimeout()));
  }
}
