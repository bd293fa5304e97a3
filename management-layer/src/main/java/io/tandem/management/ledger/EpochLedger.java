package io.tandem.management.ledger;

import io.tandem.protocol.redundancy.Epochs;

/**
 * Where a Management Layer records every epoch before a command carries it, so that whoever
 * commands next (this process after a restart, with its clock set back or not) issues only
 * higher ones. The controller starts its epochs above {@link #highest}; the loop that sends its
 * commands records each new epoch first.
 */
public interface EpochLedger {
  /** The highest epoch recorded: every epoch issued from now on is above it. */
  long highest();

  /**
   * Records {@code epoch}, above {@link #highest}, durably: when this returns, a restart reads it.
   *
   * @param leadership the revision of the leadership the epoch was decided under
   *     ({@link io.tandem.management.leader.Leading#revision}): a ledger other processes write too
   *     refuses it once that leadership is over
   * @throws EpochNotRecordedException when it could not be recorded: no command may carry it
   * @throws CorruptLedgerException when what it read back is not an epoch
   */
  void record(long epoch, long leadership);

  /**
   * Reads the highest epoch again, for a ledger other processes write too: before this one starts
   * issuing epochs. Nothing to do for a ledger only this process writes.
   *
   * @throws EpochNotRecordedException when it cannot be read: this process must not issue epochs
   * @throws CorruptLedgerException when what it read is not an epoch
   */
  default void refresh() {}

  /**
   * An epoch to record must be above the highest recorded (a caller that asks otherwise has a bug),
   * and at most {@link Epochs#MAX}: one above could not be claimed back, and the command carrying it
   * is withheld instead (43-30023).
   */
  static void checkAbove(long epoch, long highest) {
    if (epoch <= highest) {
      throw new IllegalArgumentException("epoch " + epoch + " is not above the highest recorded, " + highest);
    }
    if (epoch > Epochs.MAX) {
      throw new EpochNotRecordedException("epoch " + epoch + " not recorded: above " + Epochs.MAX + ", the most an"
          + " epoch may be (the epochs are used up: members claimed ever higher ones)", null);
    }
  }
}
