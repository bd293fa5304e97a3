package io.tandem.simulation;

import java.util.ArrayList;
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
    SLOW_RELOADS
  }

  static final List<String> MEMBERS = List.of(World.A, World.B);

  /** Draws a schedule of up to {@code maxFaults} faults within {@code windowMs}, in time order. */
  static List<Fault> schedule(Random random, long windowMs, int maxFaults) {
    int count = 1 + random.nextInt(maxFaults);
    List<long[]> times = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      times.add(new long[] {1_000 + (long) (random.nextDouble() * (windowMs - 1_000))});
    }
    times.sort((x, y) -> Long.compare(x[0], y[0]));
    List<Fault> faults = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
      String member = MEMBERS.get(random.nextInt(2));
      String other = "";
      if (kind == Kind.CUT_LINK || kind == Kind.SLOW_LINK) {
        List<String> nodes = List.of(World.A, World.B, World.MANAGEMENT, World.CONFIG_SERVER);
        member = nodes.get(random.nextInt(nodes.size()));
        do {
          other = nodes.get(random.nextInt(nodes.size()));
        } while (other.equals(member));
      }
      long duration = switch (kind) {
        case CRASH_STAT_SERVER, RESTART_MANAGEMENT, CONFIG_SERVER_OUTAGE, CONFIG_SERVER_RESTART_WITHOUT_HISTORY ->
            200 + random.nextInt(6_000);
        case FREEZE_STAT_SERVER -> 500 + random.nextInt(24_000);
        case CUT_LINK, SLOW_LINK, SLOW_RELOADS -> 500 + random.nextInt(15_000);
        default -> 0;
      };
      String target = switch (kind) {
        case RESTART_MANAGEMENT, MANUAL_SWITCHOVER -> World.MANAGEMENT;
        case CONFIG_SERVER_OUTAGE, CONFIG_SERVER_RESTART_WITHOUT_HISTORY, PURGE_HISTORY, DROP_SESSIONS -> World.CONFIG_SERVER;
        default -> member;
      };
      faults.add(new Fault(i, times.get(i)[0], kind, target, other, duration));
    }
    return faults;
  }

  String describe() {
    String on = other.isEmpty() ? target : target + " <-> " + other;
    return "FAULT #" + index + " " + kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + " " + on
        + (durationMs > 0 ? " for " + durationMs + " ms" : "");
  }
}
