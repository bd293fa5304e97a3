package io.tandem.simulation;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;

/**
 * One fault of a run's schedule: what, on whom, when, for how long.
 *
 * @param index its place in the drawn schedule (what {@code --keep} names)
 * @param atMs when it strikes
 * @param kind what it is
 * @param target the node (or the application whose option flips)
 * @param other the other end of a cut or slowed link ("" otherwise)
 * @param durationMs how long it lasts (down, frozen, cut, slow); 0 for instant faults
 */
record Fault(int index, long atMs, Kind kind, String target, String other, long durationMs) {
  enum Kind {
    CRASH_STAT_SERVER,
    FREEZE_STAT_SERVER,
    DUPLICATE_STAT_SERVER,
    RESTART_MANAGEMENT,
    CONFIG_SERVER_OUTAGE,
    CONFIG_SERVER_RESTART_WITHOUT_HISTORY,
    PURGE_HISTORY,
    DROP_SESSIONS,
    FLIP_DELAY_IF_PRIMARY,
    FLIP_ACCEPT_CLIENTS,
    MANUAL_SWITCHOVER,
    CUT_LINK,
    SLOW_LINK,
    SLOW_RELOADS,
    // Only among Management Layers over etcd:
    /** A Management Layer stops for up to three leases, then runs on with what it knew: a zombie leader. */
    FREEZE_MANAGEMENT,
    /** A Management Layer loses etcd but still reaches the Stat Servers. */
    CUT_FROM_ETCD,
    ETCD_OUTAGE,
    /**
     * etcd refuses a Management Layer's reads of the epoch key (a role taken away, say) while its
     * election goes on, so each leadership it wins is handed back unread; the other, if it is in
     * charge, is restarted for half that time. Drawn apart from the rest ({@link #epochsUnreadable}).
     */
    EPOCHS_UNREADABLE
  }

  static final List<String> MEMBERS = List.of(World.A, World.B);
  private static final List<Kind> ALONE = List.copyOf(EnumSet.range(Kind.CRASH_STAT_SERVER, Kind.SLOW_RELOADS));
  private static final List<Kind> OVER_ETCD = List.copyOf(EnumSet.range(Kind.CRASH_STAT_SERVER, Kind.ETCD_OUTAGE));
  /** How many runs over etcd in this many draw {@link Kind#EPOCHS_UNREADABLE}. */
  private static final int EPOCHS_UNREADABLE_ONE_IN = 3;

  /**
   * Draws a schedule of up to {@code maxFaults} faults within {@code windowMs}, in time order, for
   * {@code layout}'s world ({@code leaseMs}: its leader lease, 0 alone).
   */
  static List<Fault> schedule(Random random, long windowMs, int maxFaults, World.Layout layout, long leaseMs) {
    int count = 1 + random.nextInt(maxFaults);
    List<long[]> times = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      times.add(new long[] {1_000 + (long) (random.nextDouble() * (windowMs - 1_000))});
    }
    times.sort((x, y) -> Long.compare(x[0], y[0]));
    List<Kind> kinds = layout == World.Layout.ONE_MANAGEMENT_LAYER ? ALONE : OVER_ETCD;
    List<String> managements = layout.managementLayers();
    List<Fault> faults = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Kind kind = kinds.get(random.nextInt(kinds.size()));
      String member = MEMBERS.get(random.nextInt(2));
      String other = "";
      if (kind == Kind.CUT_LINK || kind == Kind.SLOW_LINK) {
        List<String> nodes = layout.nodes();
        member = nodes.get(random.nextInt(nodes.size()));
        do {
          other = nodes.get(random.nextInt(nodes.size()));
        } while (other.equals(member));
      }
      long duration = switch (kind) {
        case CRASH_STAT_SERVER, RESTART_MANAGEMENT, CONFIG_SERVER_OUTAGE, CONFIG_SERVER_RESTART_WITHOUT_HISTORY,
            ETCD_OUTAGE -> 200 + random.nextInt(6_000);
        case FREEZE_STAT_SERVER -> 500 + random.nextInt(24_000);
        case CUT_LINK, SLOW_LINK, SLOW_RELOADS, CUT_FROM_ETCD -> 500 + random.nextInt(15_000);
        case FREEZE_MANAGEMENT -> 500 + random.nextInt((int) (3 * leaseMs));
        default -> 0;
      };
      String target = switch (kind) {
        case RESTART_MANAGEMENT, FREEZE_MANAGEMENT, CUT_FROM_ETCD -> managements.size() == 1 ? managements.get(0)
            : managements.get(random.nextInt(managements.size()));
        case MANUAL_SWITCHOVER -> managements.size() == 1 ? managements.get(0) : "the leading Management Layer";
        case CONFIG_SERVER_OUTAGE, CONFIG_SERVER_RESTART_WITHOUT_HISTORY, PURGE_HISTORY, DROP_SESSIONS -> World.CONFIG_SERVER;
        case ETCD_OUTAGE -> World.ETCD;
        default -> member;
      };
      faults.add(new Fault(i, times.get(i)[0], kind, target, kind == Kind.CUT_FROM_ETCD ? World.ETCD : other,
          duration));
    }
    return faults;
  }

  /**
   * In one run over etcd in three: a Management Layer's reads of the epoch key refused for up to
   * four leases, from a moment within {@code windowMs}; its place in the schedule is {@code index},
   * after the faults {@link #schedule} drew. It comes from a stream of its own, so the schedules
   * drawn before it existed (and the seeds pinned to them) stay what they were.
   */
  static List<Fault> epochsUnreadable(Random own, int index, long windowMs, World.Layout layout, long leaseMs) {
    List<String> managements = layout.managementLayers();
    if (managements.size() < 2 || own.nextInt(EPOCHS_UNREADABLE_ONE_IN) != 0) {
      return List.of();
    }
    long at = 1_000 + (long) (own.nextDouble() * (windowMs - 1_000));
    String target = managements.get(own.nextInt(managements.size()));
    return List.of(new Fault(index, at, Kind.EPOCHS_UNREADABLE, target, World.ETCD,
        500 + own.nextInt((int) (4 * leaseMs))));
  }

  String describe() {
    String on = other.isEmpty() ? target : target + " <-> " + other;
    return "FAULT #" + index + " " + kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + " " + on
        + (durationMs > 0 ? " for " + durationMs + " ms" : "");
  }
}
