package io.tandem.management.ledger;

import io.tandem.management.v1.PairMemory;
import java.util.Map;

/**
 * Where the leading Management Layer keeps each pair's state (primary, epoch, last switchover), so
 * the next leader continues from it rather than from the members' hellos alone. Among several over
 * etcd, keys beside the leader key; a Management Layer alone keeps nothing (its restart re-decides
 * from the hellos, its epochs above its ledger).
 */
public interface PairMemories {
  /**
   * What the leaders kept, by pair ({@code FIRST/SECOND}).
   *
   * @throws io.grpc.StatusRuntimeException when the store does not answer
   */
  Map<String, PairMemory> read();

  /**
   * Keeps {@code memory} of {@code pair}, unless the leadership of {@code leadership} is over;
   * in the background, the latest state of each pair, again while the store does not answer.
   */
  void keep(String pair, PairMemory memory, long leadership);

  /** Keeps nothing: a Management Layer that runs alone. */
  static PairMemories none() {
    return new PairMemories() {
      @Override
      public Map<String, PairMemory> read() {
        return Map.of();
      }

      @Override
      public void keep(String pair, PairMemory memory, long leadership) {
        // Nothing to keep it in.
      }
    };
  }
}
