package io.tandem.management.ledger;

/** An epoch the ledger could not record, and why: no command may carry it. */
public final class EpochNotRecordedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public EpochNotRecordedException(String message, Throwable cause) {
    super(message, cause);
  }
}
