package io.tandem.management.leader;

import io.tandem.protocol.leadership.Leadership.Change;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Whether this Management Layer leads: always when it runs alone; while it holds the etcd lease
 * when several run ({@link EtcdLeaderElection}). Only a leader takes supervision streams,
 * switchovers and pair watchers, and only while it may command does a command leave.
 */
public interface Leading {
  /** Whether a command may leave now. */
  boolean mayCommand();

  /** Empty while this one leads; otherwise what a caller is told: that it stands by, and where the leader is. */
  Optional<String> standbyReason();

  /** {@code listener} is told each change of role, on a thread of the election's own; set before start. */
  void onChange(Consumer<Change> listener);

  /** A Management Layer that runs alone: it always leads. */
  static Leading alone() {
    return new Leading() {
      @Override
      public boolean mayCommand() {
        return true;
      }

      @Override
      public Optional<String> standbyReason() {
        return Optional.empty();
      }

      @Override
      public void onChange(Consumer<Change> listener) {
        // Never changes.
      }
    };
  }
}
