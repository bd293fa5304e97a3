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
 * that fails again in a leadership won soon after the hand-back (within {@link #ROW_IN_LEASES}
 * leases) is likely this process's own trouble: an etcd user that may write the leader key but not
 * read the epoch key, a link that drops larger answers. From the second hand-back in such a row it
 * sits out one lease, long enough
 * for a Management Layer that can read the epochs to win the key (standbys look every sixth of the
 * shortest lease) and keep it, instead of this one taking and handing it back at every look. No
 * longer: a lone Management Layer must lead again within a lease of its etcd recovering, as a
 * standby takes over within a lease of a leader's loss. A leadership that ends for another reason
 * read its epochs, and the row ends; so does time. Another process holding the key proves
 * nothing: it may hold it without having read the epochs yet.
 */
public final class CampaignPause {
  /** A leadership won more than this many leases after the last hand-back starts a new row. */
  public static final int ROW_IN_LEASES = 3;

  private int unreadInARow;
  private Instant lastUnread = Instant.MIN;
  private Instant until = Instant.MIN;

  /**
   * A leadership of {@code lease}, won at {@code electedAt}, ended at {@code now} for {@code why};
   * returns how long this process now sits out before it campaigns again (zero: at once). The row
   * is judged from the previous hand-back to this leadership's election, not to its end: an epoch
   * read may take its whole call timeout to fail, however long that is.
   */
  public Duration steppedDown(StepDown why, Duration lease, Instant electedAt, Instant now) {
    if (why != StepDown.EPOCHS_UNREAD) {
      unreadInARow = 0;
      lastUnread = Instant.MIN;
      until = Instant.MIN;
      return Duration.ZERO;
    }
    if (electedAt.isAfter(lastUnread.plus(lease.multipliedBy(ROW_IN_LEASES)))) {
      unreadInARow = 0;
    }
    unreadInARow++;
    lastUnread = now;
    Duration pause = unreadInARow == 1 ? Duration.ZERO : lease;
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
