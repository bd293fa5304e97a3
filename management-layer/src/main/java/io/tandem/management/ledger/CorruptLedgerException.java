package io.tandem.management.ledger;

/**
 * The ledger holds something that is not an epoch: no epoch can be issued above it, and none will
 * until someone restores or deletes it, so the Management Layer that finds it stops.
 */
public final class CorruptLedgerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CorruptLedgerException(String message) {
    super(message);
  }
}
