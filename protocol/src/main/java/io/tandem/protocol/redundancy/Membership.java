package io.tandem.protocol.redundancy;

import io.tandem.protocol.pairs.RedundantPairs;
import io.tandem.protocol.log.LogEvent;
import io.tandem.management.v1.Mode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Which applications are members and how they pair, as configuration says: pairs form, change and
 * dissolve by the one rule of {@link RedundantPairs}.
 */
final class Membership {
  private final PairState state;
  private final Modes modes;
  private final Switchovers switchovers;

  Membership(PairState state, Modes modes, Switchovers switchovers) {
    this.state = state;
    this.modes = modes;
    this.switchovers = switchovers;
  }

  /**
   * The applications in configuration and each one's {@code backup} ("" for none), and this
   * Management Layer's options. Applications are told a new heartbeat interval when it changes.
   */
  void configure(Map<String, String> backupOf, RedundancySettings newSettings, Instant now, List<Action> actions) {
    Duration interval = state.settings().heartbeatInterval();
    state.settings(newSettings);
    if (!interval.equals(newSettings.heartbeatInterval())) {
      for (Member m : state.members()) {
        if (m.connected) {
          actions.add(new Action.SendSettings(m.name, m.session, newSettings.heartbeatInterval()));
        }
      }
    }
    for (Member m : state.members()) {
      m.configured = backupOf.containsKey(m.name);
    }
    backupOf.keySet().forEach(name -> state.memberNamed(name, now).configured = true);

    List<RedundantPairs.Pair> wanted = RedundantPairs.of(backupOf).pairs();
    boolean changed = false;
    for (Pair pair : List.copyOf(state.pairs())) {
      RedundantPairs.Pair keep = wanted.stream().filter(pair::sameMembers).findFirst().orElse(null);
      if (keep == null) {
        changed = true;
        dissolve(pair, now, actions);
      } else if (!keep.first().equals(pair.first.name)) {
        // The same two members, named the other way round: the pair and its modes stay as they are.
        changed = true;
        Member first = pair.first;
        pair.first = pair.second;
        pair.second = first;
      }
    }
    for (RedundantPairs.Pair w : wanted) {
      if (state.pairs().stream().noneMatch(p -> p.sameMembers(w))) {
        changed = true;
        form(state.member(w.first()), state.member(w.second()), now, actions);
      }
    }
    if (changed) {
      actions.add(new Action.Log(LogEvent.PAIRS_CONFIGURED, "pairs", state.pairs().stream().map(Pair::describe).toList()));
    }
  }

  /**
   * A pair is formed in configuration. When both members are primary (they were standalone), the
   * one that is alive and {@code RUNNING} stays primary (the longer-serving one if both or neither
   * are), the other becomes backup: a member that is not alive and {@code RUNNING} is never made
   * primary by re-forming a pair.
   */
  private void form(Member first, Member second, Instant now, List<Action> actions) {
    Pair pair = new Pair(first, second);
    pair.epoch = Math.max(first.currentEpoch(), second.currentEpoch());
    state.pairs().add(pair);
    first.pair = pair;
    second.pair = pair;
    if (first.mode == Mode.PRIMARY && second.mode == Mode.PRIMARY) {
      Member keep = first.ready() != second.ready() ? (first.ready() ? first : second)
          : !second.since.isBefore(first.since) ? first : second;
      Member demoted = pair.other(keep);
      pair.epoch = state.nextEpoch(pair.epoch);
      String reason = "pair " + pair.describe() + " formed: " + keep.name + " stays primary";
      modes.command(keep, Mode.PRIMARY, reason, now, actions);
      modes.command(demoted, Mode.BACKUP, reason, now, actions);
      switchovers.formed(pair, keep, demoted, reason, now, actions);
    }
  }

  /**
   * A pair leaves the configuration: each member is standalone from now on. A backup becomes
   * primary only if it is alive and {@code RUNNING}; otherwise it gets its mode when it reports
   * {@code RUNNING}.
   */
  private void dissolve(Pair pair, Instant now, List<Action> actions) {
    state.pairs().remove(pair);
    switchovers.pairRemoved(pair, now, actions);
    for (Member m : List.of(pair.first, pair.second)) {
      m.pair = null;
      m.standaloneEpoch = Math.max(m.standaloneEpoch, pair.epoch);
      if (m.mode != Mode.BACKUP) {
        continue;
      }
      if (m.ready()) {
        m.standaloneEpoch = state.nextEpoch(m.standaloneEpoch);
        modes.command(m, Mode.PRIMARY, "no longer in a redundant pair: standalone", now, actions);
      } else {
        m.mode = Mode.MODE_UNSPECIFIED;
        m.acknowledged = false;
        m.since = now;
      }
    }
  }
}
