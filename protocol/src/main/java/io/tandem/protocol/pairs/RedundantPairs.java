package io.tandem.protocol.pairs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one rule by which Applications form redundant pairs, applied by the Management Layer (which
 * assigns modes) and by every Stat Server (which probes its peer), so both always agree on who is
 * whose peer.
 *
 * <p>{@code A.backup = B} pairs A with B when B exists and is not A. An application is in at most
 * one pair: going through the applications in name order, a pair whose member is already paired
 * is skipped. The Config Server keeps every application in at most one pair (no second
 * application naming the same backup, no chains), so what is left to decide is mutual naming
 * ({@code A.backup = B} and {@code B.backup = A}: one pair, A first), and chains a configuration
 * written before that rule may hold ({@code A.backup = B}, {@code B.backup = C}: A/B, and C is
 * standalone).
 */
public final class RedundantPairs {
  /** A pair: {@code first} names {@code second} as its backup. */
  public record Pair(String first, String second) {
    public boolean contains(String application) {
      return first.equals(application) || second.equals(application);
    }

    public String other(String application) {
      return first.equals(application) ? second : first;
    }
  }

  private final List<Pair> pairs;
  private final Map<String, String> peers;

  private RedundantPairs(List<Pair> pairs) {
    this.pairs = List.copyOf(pairs);
    Map<String, String> byMember = new HashMap<>();
    for (Pair pair : pairs) {
      byMember.put(pair.first(), pair.second());
      byMember.put(pair.second(), pair.first());
    }
    this.peers = Map.copyOf(byMember);
  }

  /**
   * The pairs that the applications' {@code backup} links make.
   *
   * @param backupOf every application in configuration and its {@code backup} ("" for none)
   */
  public static RedundantPairs of(Map<String, String> backupOf) {
    List<Pair> pairs = new ArrayList<>();
    Map<String, Boolean> paired = new HashMap<>();
    for (Map.Entry<String, String> entry : new TreeMap<>(backupOf).entrySet()) {
      String app = entry.getKey();
      String backup = entry.getValue() == null ? "" : entry.getValue();
      if (backup.isEmpty() || backup.equals(app) || !backupOf.containsKey(backup)
          || paired.containsKey(app) || paired.containsKey(backup)) {
        continue;
      }
      paired.put(app, true);
      paired.put(backup, true);
      pairs.add(new Pair(app, backup));
    }
    return new RedundantPairs(pairs);
  }

  /** The pairs, ordered by their first member's name. */
  public List<Pair> pairs() {
    return pairs;
  }

  /** The other member of {@code application}'s pair, or "" when it is standalone. */
  public String peerOf(String application) {
    return peers.getOrDefault(application, "");
  }
}
