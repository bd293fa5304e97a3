package io.tandem.protocol.leadership;

import io.tandem.protocol.leadership.Leadership.StepDown;
import java.time.Duration;
import java.time.Instant;

/**
 * When a Management Layer that handed its leadership back because it could not read the epochs
 * ({@link StepDown#EPOCHS_UNREAD}) may campaign again. Pure: every input carries the time, read
 * from a monotonic clock.
 *
 * <p>A lost read is most often one slow answer, so the first campaign after it goes at once. One
 * that keeps failing is this process's own (an etcd user that may write the leader key but not
 * read the epoch key, a link that drops larger answers): each further hand-back in a row waits
 * twice as long, from one lease up to {@link #LONGEST_IN_LEASES} leases, so that a Management
 * Layer that can read the epochs wins the key meanwhile and keeps it, instead of this one taking
 * and handing it back at every look. A leadership that ends for any other reason read its epochs:
 * the count starts anew.
 */
public final class CampaignPause {
  /** The longest pause, in leases: a lone Management Layer whose etcd recovers leads again within it. */
  public static final int LONGEST_IN_LEASES = 8;

  private int unreadInARow;
  private Instant until = Instant.MIN;

  /**
   * A leadership of {@code lease} ended at {@code now} for {@code why}; returns how long this
   * process now sits out before it campaigns again (zero: at once).
   */
  public Duration steppedDown(StepDown why, Duration lease, Instant now) {
    if (why != StepDown.EPOCHS_UNREAD) {
      unreadInARow = 0;
      until = Instant.MIN;
      return Duration.ZERO;
    }
    unreadInARow++;
    Duration pause = unreadInARow == 1 ? Duration.ZERO
        : lease.multipliedBy(Math.min(1L << Math.min(unreadInARow - 2, 30), LONGEST_IN_LEASES));
    until = now.plus(pause);
    return pause;
  }

  /** Whether a campaign may start at {@code now}. */
  public boolean mayCampaign(Instant now) {
    return !now.isBefore(until);
  }

  /** How many leaderships in a row ended with the epochs unread. */
  public int unreadInARow() {
    return unreadInARow;
  }
}
