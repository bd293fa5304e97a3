package io.tandem.simulation;

import java.util.function.Consumer;

/**
 * Where a Management Layer records each epoch before a command carries it: management-layer's
 * {@code EpochLedger}, its calls that wait on etcd handing their outcome to a callback, which
 * comes as a step of the run (the loop waits meanwhile, as the real one's thread does).
 */
interface Ledger {
  /** The highest epoch recorded: every epoch issued from now on is above it. */
  long highest();

  /** Reads the highest again before this process issues epochs; then tells {@code read} whether it was. */
  void refresh(Consumer<Boolean> read);

  /** Records {@code epoch}, decided under the leadership of revision {@code leadership}; tells {@code recorded} whether it was. */
  void record(long epoch, long leadership, Consumer<Boolean> recorded);

  /**
   * The single Management Layer's ledger ({@code FileEpochLedger}): only it writes it, it outlives
   * restarts, and its disk never fails here.
   */
  final class OnDisk implements Ledger {
    private long highest;

    @Override
    public long highest() {
      return highest;
    }

    @Override
    public void refresh(Consumer<Boolean> read) {
      read.accept(true);
    }

    @Override
    public void record(long epoch, long leadership, Consumer<Boolean> recorded) {
      highest = epoch;
      recorded.accept(true);
    }
  }
}
