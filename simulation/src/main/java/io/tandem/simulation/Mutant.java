package io.tandem.simulation;

import io.tandem.protocol.redundancy.RedundancyController;
import io.tandem.protocol.reload.ReloadStateMachine;
import java.util.EnumSet;
import java.util.Set;

/**
 * One deliberately broken rule. A mutant the invariants do not catch within the seed budget means
 * the simulator cannot tell whether that rule holds: a gap in the faults or the invariants.
 */
enum Mutant {
  NONE("none", "the rules as they ship"),
  SKIP_FRESHNESS_CHECK("skip-freshness-check",
      "a protected primary takes a serving backup as ready without checking it reloaded",
      ReloadStateMachine.Flaw.SKIP_FRESHNESS_CHECK),
  IGNORE_ACCEPT_CLIENTS("ignore-accept-clients-in-backup-mode",
      "a primary enters protected mode although its backup refuses clients in backup mode",
      ReloadStateMachine.Flaw.IGNORE_PEER_ACCEPT_CLIENTS),
  KEEP_PROTECTED_ON_BACKUP("keep-protected-on-backup",
      "a protected primary made backup stays in protected mode", ReloadStateMachine.Flaw.KEEP_PROTECTED_ON_BACKUP),
  NEVER_GIVE_WAY("never-give-way", "two protected primaries both wait for the other",
      ReloadStateMachine.Flaw.NEVER_GIVE_WAY),
  FORGET_RELOAD_RETRY("forget-reload-retry", "a failed reload is never tried again",
      ReloadStateMachine.Flaw.FORGET_RELOAD_RETRY),
  RESTORE_FROM_PURGED_POSITION("restore-from-purged-position",
      "the Config Server restores a session whose position was purged, from what is left"),
  NO_HUNG_DETECTION("no-hung-detection", "the Management Layer never takes a silent member for hung",
      RedundancyController.Flaw.NO_HUNG_DETECTION),
  INHERIT_MODE("inherit-mode", "another instance of a member takes its place at once, in the mode of the one before it",
      RedundancyController.Flaw.INHERIT_MODE),
  PRIMARY_RELOADS_AT_ONCE("primary-reloads-at-once",
      "a primary reloads in normal mode although protected mode applies",
      ReloadStateMachine.Flaw.PRIMARY_RELOADS_AT_ONCE),
  DARK_DURING_RELOAD("dark-during-reload",
      "a member stops serving for its reload although serve-during-reload is on",
      ReloadStateMachine.Flaw.DARK_DURING_RELOAD),
  /** A fault in a shell, not a decision: the coordinator's control thread runs its tick once, as with {@code schedule}. */
  CONTROL_TICKS_ONCE("control-ticks-once",
      "the Stat Server's reload coordinator schedules its control tick once and never feeds the machine another"),
  /**
   * A fault in the election's shell: {@code Leadership} stays the real one, but the gate never
   * asks it about the window. Its commands carry epochs recorded while it led, which the ledger's
   * fencing and the Stat Servers' refusal of older epochs already keep from making two primaries
   * under one epoch: what the deadline guarantees is that no command leaves once another could be
   * elected, and that is the invariant that catches it.
   */
  COMMAND_PAST_DEADLINE("command-past-deadline",
      "a leading Management Layer keeps commanding past its deadline: it never steps down when its command window"
          + " ends, and asks only whether it still holds the role"),
  /** A fault in the election's shell: it never asks {@code CampaignPause} whether it may campaign. */
  CAMPAIGN_AT_ONCE("campaign-at-once",
      "a Management Layer that hands back every leadership it wins, unable to read the epochs, campaigns again at"
          + " once, however often"),
  /** The etcd store's transaction without its guard: the write is committed whatever the head. */
  WRITE_WITHOUT_HEAD_COMPARE("write-without-head-compare",
      "a Config Server over the shared log commits and acknowledges a write without comparing the head");

  final String id;
  final String description;
  private final Enum<?> flaw;

  Mutant(String id, String description) {
    this(id, description, null);
  }

  Mutant(String id, String description, Enum<?> flaw) {
    this.id = id;
    this.description = description;
    this.flaw = flaw;
  }

  /** Whether the Stat Server's control thread runs its periodic tick only once. */
  boolean ticksOnce() {
    return this == CONTROL_TICKS_ONCE;
  }

  /** Whether a leading Management Layer over etcd ignores its command window. */
  boolean ignoresDeadline() {
    return this == COMMAND_PAST_DEADLINE;
  }

  /** Whether a Management Layer over etcd campaigns without the pause after leaderships handed back unread. */
  boolean neverSitsOut() {
    return this == CAMPAIGN_AT_ONCE;
  }

  /** Whether a Config Server over the shared log commits without comparing the head. */
  boolean skipsHeadCompare() {
    return this == WRITE_WITHOUT_HEAD_COMPARE;
  }

  /** Whether the Config Server serves what is left of a purged position as if nothing were missing. */
  boolean restoresPurgedPositions() {
    return this == RESTORE_FROM_PURGED_POSITION;
  }

  Set<ReloadStateMachine.Flaw> statServerFlaws() {
    return flaw instanceof ReloadStateMachine.Flaw f ? EnumSet.of(f) : EnumSet.noneOf(ReloadStateMachine.Flaw.class);
  }

  Set<RedundancyController.Flaw> managementFlaws() {
    return flaw instanceof RedundancyController.Flaw f ? EnumSet.of(f) : EnumSet.noneOf(RedundancyController.Flaw.class);
  }

  static Mutant byId(String id) {
    for (Mutant mutant : values()) {
      if (mutant.id.equals(id)) {
        return mutant;
      }
    }
    throw new IllegalArgumentException("--mutant: no mutant named '" + id + "'; known: " + known());
  }

  static String known() {
    StringBuilder names = new StringBuilder();
    for (Mutant mutant : values()) {
      if (mutant != NONE) {
        names.append(names.length() == 0 ? "" : ", ").append(mutant.id);
      }
    }
    return names.toString();
  }
}
