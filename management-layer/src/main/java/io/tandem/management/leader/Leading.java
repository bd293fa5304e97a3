package io.tandem.management.leader;

import io.tandem.protocol.leadership.Leadership.Change;
import io.tandem.protocol.leadership.Leadership.StepDown;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Whether this Management Layer leads: always when it runs alone; while it holds the etcd lease
 * when several run ({@link EtcdLeaderElection}). Only a leader takes supervision streams,
 * switchovers and pair watchers, and only while it may command does a command leave.
 *
 * <p>Each leadership is named by its revision (the leader key's creation revision in etcd). What
 * was decided under one leadership may only leave under that same one: a process that stepped
 * down and was elected again starts anew, as any other new leader would.
 */
public interface Leading {
  /** The revision of a Management Layer that runs alone: it leads once, for ever. */
  long ALONE = 1;

  /** The revision of the leadership held now; 0 while standing by. */
  long revision();

  /** Whether a command decided under the leadership of {@code revision} may leave now. */
  boolean mayCommand(long revision);

  /** While leading over etcd, how long the lease lasts at least without another renewal; empty otherwise. */
  Optional<Duration> leaseRemaining();

  /**
   * Hands back the leadership of {@code revision} for {@code cause}, if it is still held: the
   * listener is told as of any other step-down. Nothing when that leadership is already over.
   */
  void stepDown(long revision, StepDown cause);

  /** Empty while this one leads; otherwise what a caller is told: that it stands by, and where the leader is. */
  Optional<String> standbyReason();

  /**
   * {@code listener} is told each change of role, in the order they happen; it must only hand the
   * change on (it may be called with the election's lock held). Set before start.
   */
  void onChange(Consumer<Change> listener);

  /** A Management Layer that runs alone: it always leads. */
  static Leading alone() {
    return new Leading() {
      @Override
      public long revision() {
        return ALONE;
      }

      @Override
      public boolean mayCommand(long revision) {
        return revision == ALONE;
      }

      @Override
      public Optional<Duration> leaseRemaining() {
        return Optional.empty();
      }

      @Override
      public void stepDown(long revision, StepDown cause) {
        throw new IllegalStateException("a Management Layer alone leads for ever: it cannot step down (" + cause + ")");
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
