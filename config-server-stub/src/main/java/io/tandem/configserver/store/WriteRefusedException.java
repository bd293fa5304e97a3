package io.tandem.configserver.store;

/** A write the store refused; nothing was written. The message names the field or object, or the disk's trouble. */
public final class WriteRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why, which maps to the gRPC status the client sees. */
  public enum Reason {
    /** Bad object: unknown type, empty or duplicate name, dangling reference. INVALID_ARGUMENT. */
    INVALID,
    /** No such object. NOT_FOUND. */
    NOT_FOUND,
    /** The object changed since the client read it. ABORTED. */
    STALE_VERSION,
    /** Other objects refer to it. FAILED_PRECONDITION. */
    IN_USE,
    /** The disk holding the journal is full: nothing was written. RESOURCE_EXHAUSTED. */
    NO_SPACE,
    /** The change could not be made durable (an I/O error, etcd without quorum): nothing was written. UNAVAILABLE. */
    NOT_DURABLE,
    /** The request's changes are more than the store can take in one piece: nothing was written. RESOURCE_EXHAUSTED. */
    TOO_LARGE
  }

  private final Reason reason;

  public WriteRefusedException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
