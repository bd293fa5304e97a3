package io.tandem.protocol.health;

/**
 * Whether a service takes clients now, and when it does not, whether it is in service all the
 * same: its health check's {@code SERVING} is only the first; a container's health (the status
 * file) asks the second.
 */
public enum Availability {
  /** Accepts clients. */
  SERVING,
  /**
   * In service, but takes no clients as configured: a Stat Server backup with
   * {@code accept-clients-in-backup-mode = no}, its configuration loaded and its mode given.
   */
  STANDING_BY,
  /** Out of service for now: starting, (re)loading, waiting for what it needs. */
  UNAVAILABLE;

  public boolean serving() {
    return this == SERVING;
  }

  /** Doing what it is there for, whether or not that means taking clients now. */
  public boolean inService() {
    return this != UNAVAILABLE;
  }
}
