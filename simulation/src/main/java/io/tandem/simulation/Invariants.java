package io.tandem.simulation;

import io.tandem.management.v1.Mode;
import io.tandem.protocol.health.Availability;
import io.tandem.protocol.reload.ReloadStateMachine;
import io.tandem.stat.v1.ConfigState;
import io.tandem.stat.v1.Role;
import java.util.HashMap;
import java.util.Map;

/**
 * Checks the invariants after every step; remembers the first violation. Some are checked where
 * the event happens (an acknowledgement, an applied change), the others here from the state of
 * the world.
 */
final class Invariants {
  /** A violated invariant: which, when, at which step, and what was seen. */
  record Violation(Invariant invariant, long atMs, long step, String detail) {
    String describe() {
      return invariant.id + " violated at " + atMs + " ms (step " + step + "): " + detail;
    }
  }

  /** The epoch one process start last ran under. */
  private static final class Obeyed {
    long incarnation;
    long epoch;
  }

  private final World world;
  private Violation violation;
  private final Map<Long, String> primaryByEpoch = new HashMap<>();
  private final Map<StatServerNode, Obeyed> obeyed = new HashMap<>();
  private final Map<String, Long> capableSince = new HashMap<>();
  private long darkSince = -1;
  private long bothProtectedSince = -1;
  /** Since when each Management Layer over etcd could lead, while it can. */
  private final Map<String, Long> ableToLeadSince = new HashMap<>();
  /** When a Management Layer over etcd last led and was ready. */
  private long ledAt;
  /** Leaderships won, since then, by one refused the epochs while another could lead. */
  private int wonUnreadable;

  Invariants(World world) {
    this.world = world;
  }

  Violation violation() {
    return violation;
  }

  void violate(Invariant invariant, String detail) {
    if (violation == null) {
      violation = new Violation(invariant, world.now(), world.steps(), detail);
      world.trace.note(world.now(), "INVARIANT", violation.describe());
    }
  }

  /**
   * {@code process} (one process start: a restart or a duplicate of the same application is
   * another) acknowledged PRIMARY under {@code epoch}.
   */
  void primaryAcknowledged(String process, long epoch) {
    String before = primaryByEpoch.putIfAbsent(epoch, process);
    if (before != null && !before.equals(process)) {
      violate(Invariant.ONE_PRIMARY_PER_EPOCH, process + " acknowledged PRIMARY under epoch " + epoch
          + ", which " + before + " acknowledged PRIMARY under before");
    }
  }

  /**
   * {@code management} sends a mode command under the leadership of {@code revision}: etcd must
   * still hold that leadership's key under a lease that has not expired. A leader stops commanding
   * by its own deadline, before its lease can expire and another be elected.
   */
  void commandLeaves(ManagementNode management, long revision) {
    if (!world.etcd.leads(revision)) {
      violate(Invariant.COMMANDS_ONLY_UNDER_A_LIVE_LEASE, management.name + " sent a mode command under the"
          + " leadership of revision " + revision + ", and " + world.etcd.leaderKey());
    }
  }

  /**
   * {@code management} was elected over etcd. One refused the epochs hands the leadership back
   * unread; while another could lead, it may win twice (the first time it campaigns again at once,
   * the second it sits a lease out), never a third time.
   */
  void elected(ManagementNode management) {
    if (!world.etcd.refusesEpochReads(management)) {
      return;
    }
    boolean anotherCould = ableToLeadSince.keySet().stream().anyMatch(name -> !name.equals(management.name));
    if (anotherCould && ++wonUnreadable > 2) {
      violate(Invariant.A_LEADER_ONCE_ONE_CAN_LEAD, management.name + ", refused the epochs, was elected "
          + wonUnreadable + " times in a row while another could lead");
    }
  }

  /** The state invariants, after a step. */
  void check() {
    checkProcesses();
    long now = world.now();
    boolean anyServing = false;
    ManagementNode management = world.inCharge();
    long managementReadySince = management == null ? -1 : management.readySince();
    // A primary the Management Layer can reach is in charge, even while it reloads in normal mode
    // (dark by configuration); only without one must the backup take over.
    boolean primaryInCharge = management != null && world.statServers().stream().anyMatch(s -> s.isUp()
        && s.machine().mode() == Mode.PRIMARY && !world.network.isCut(s, management));
    for (StatServerNode member : world.statServers()) {
      anyServing |= member.serving();
      boolean capable = !primaryInCharge && member.isUp() && member.hasConfiguration()
          && managementReadySince >= 0 && !world.network.isCut(member, management);
      if (!capable) {
        capableSince.remove(member.name);
      } else {
        capableSince.putIfAbsent(member.name, now);
      }
    }
    if (anyServing) {
      darkSince = -1;
    } else {
      checkServedThroughReloads();
      darkSince = darkSince < 0 ? now : darkSince;
      long bound = world.parameters.failoverBound().toMillis();
      for (StatServerNode member : world.statServers()) {
        Long since = capableSince.get(member.name);
        if (since != null && now - Math.max(Math.max(darkSince, since), managementReadySince) > bound) {
          violate(Invariant.NEVER_DARK_WHILE_ONE_COULD_SERVE, "no member has served for " + (now - darkSince)
              + " ms, while " + member.name + " (" + member.machine().configState() + ", " + member.machine().mode()
              + ") could, and the Management Layer has seen it for longer than a failover takes (" + bound + " ms)");
        }
        long handover = member.handoverReloadOf();
        if (handover >= 0 && world.lastFaultAt() < handover) {
          violate(Invariant.PROTECTED_RELOAD_NEVER_DARK, member.name + " reloads under the cover of protected mode"
              + " (since " + handover + " ms), no fault struck since, and no member serves");
        }
      }
    }
    checkWayOut(now);
    if (world.etcd != null) {
      checkLeadership(now);
    }
  }

  private void checkLeadership(long now) {
    if (world.inCharge() != null) {
      ledAt = now;
      wonUnreadable = 0;
    }
    long bound = 2 * world.leaderLease.toMillis() + 3_000;
    if (ableToLeadSince.isEmpty()) {
      wonUnreadable = 0; // "in a row while another could lead": none could since
    }
    for (ManagementNode management : world.managements()) {
      boolean able = management.isUp() && management.configured() && world.etcd.isUp()
          && !world.network.isCut(management, world.etcd) && !world.network.isSlow(management, world.etcd)
          && !world.etcd.refusesEpochReads(management);
      if (!able) {
        ableToLeadSince.remove(management.name);
        continue;
      }
      Long ableSince = ableToLeadSince.get(management.name);
      if (ableSince == null) {
        ableSince = now;
        ableToLeadSince.put(management.name, now);
      }
      long since = Math.max(ableSince, ledAt);
      if (now - since > bound) {
        violate(Invariant.A_LEADER_ONCE_ONE_CAN_LEAD, "no Management Layer has led for " + (now - since)
            + " ms, while " + management.name + " could (" + world.etcd.leaderKey() + ")");
      }
    }
  }

  /**
   * With {@code serve-during-reload} on, the pair is dark (the caller found no member serving), so
   * no member may be out of service for its reload: one that has a mode (or is standalone) could
   * serve the configuration in hand. A backup that takes no clients stands by; that is not dark
   * by the reload.
   */
  private void checkServedThroughReloads() {
    if (!world.parameters.serveDuringReload()) {
      return;
    }
    for (StatServerNode member : world.statServers()) {
      ReloadStateMachine machine = member.machine();
      if (member.isUp() && machine != null && machine.configState() == ConfigState.RELOADING
          && machine.role() != Role.ROLE_UNSPECIFIED && machine.availability() == Availability.UNAVAILABLE) {
        violate(Invariant.NEVER_DARK_WHILE_ONE_COULD_SERVE, "no member serves, and " + member.name + " ("
            + machine.role() + ") is out of service for its reload although serve-during-reload is on");
      }
    }
  }

  /**
   * What a process must never do from one step to the next: run under an older epoch than it
   * obeyed, or have its session move past changes its model never got (a watch's progress taken
   * for the head while changes were missing).
   */
  private void checkProcesses() {
    for (StatServerNode member : world.statServers()) {
      if (!member.isRunning() || member.machine() == null) {
        continue;
      }
      Obeyed last = obeyed.computeIfAbsent(member, m -> new Obeyed());
      long epoch = member.machine().epoch();
      if (last.incarnation == member.incarnation() && epoch < last.epoch) {
        violate(Invariant.EPOCHS_NEVER_GO_BACK, member.name + " went from epoch " + last.epoch + " back to " + epoch);
      }
      last.incarnation = member.incarnation();
      last.epoch = epoch;
      long position = member.lastApplied();
      long applied = member.modelPosition();
      long skipped = position > applied ? world.configServer.objectChangesBetween(applied, position) : 0;
      if (skipped > 0) {
        violate(Invariant.CHANGES_APPLIED_EXACTLY_ONCE, member.name + " at event " + applied + " was moved to "
            + position + ": " + skipped + " changes skipped");
      }
    }
  }

  private void checkWayOut(long now) {
    StatServerNode a = world.statServer(World.A);
    StatServerNode b = world.statServer(World.B);
    boolean waiting = protectedPrimary(a) && protectedPrimary(b) && !world.network.isCut(a, b);
    if (!waiting) {
      bothProtectedSince = -1;
      return;
    }
    bothProtectedSince = bothProtectedSince < 0 ? now : bothProtectedSince;
    long bound = 3 * world.parameters.backupCheckIntervalMs() + 3_000;
    if (now - bothProtectedSince > bound) {
      violate(Invariant.PROTECTED_MODE_HAS_A_WAY_OUT, "both members are primaries in protected mode, each waiting"
          + " for the other, for " + (now - bothProtectedSince) + " ms");
    }
  }

  private static boolean protectedPrimary(StatServerNode member) {
    return member.isUp() && member.machine().configState() == ConfigState.DELAYED
        && member.machine().mode() == Mode.PRIMARY;
  }
}
