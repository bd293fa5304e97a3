package io.tandem.configserver.store;

/**
 * Another process committed changes after the head this process validated a request against:
 * nothing was written, and the request is validated again once memory has caught up to
 * {@link #head()}. Only a log shared by several Config Servers throws it.
 */
public final class StaleHeadException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final long head;

  public StaleHeadException(long head) {
    super("the log's head is at event " + head, null, false, false);
    this.head = head;
  }

  /** The head the log holds: memory must reach it before the request is tried again. */
  public long head() {
    return head;
  }
}
