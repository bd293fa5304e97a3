package io.tandem.protocol.leadership;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether this Management Layer may command, when several run over one etcd cluster and the one
 * holding the leader key (attached to its lease) leads — Kubernetes' leader election and Patroni
 * decide the same way. Pure: every input carries the time, read from a monotonic clock.
 *
 * <p>The key insight: etcd lets a lease expire no earlier than {@code lease} after it received the
 * last renewal, and it cannot have received a renewal before this process sent it. So a leader
 * that stops commanding {@link #commandWindow} (two thirds of the lease) after sending its last
 * acknowledged renewal has stopped a third of a lease before anyone else can be elected, whatever
 * its wall clock says, and however long a freeze or a cut link keeps the answers from it. A
 * command already on its way when it stops carries an epoch the next leader outbids.
 */
public final class Leadership {
  /** The least lease: below it a busy machine's pauses would depose leaders for nothing. */
  public static final Duration MIN_LEASE = Duration.ofSeconds(2);

  public enum Role { STANDBY, LEADER }

  /** Why a leader stopped leading. */
  public enum StepDown {
    /** No renewal sent within the command window was acknowledged: the lease may be about to expire. */
    DEADLINE_PASSED,
    /** etcd says the lease expired or was revoked, or the leader key is no longer this process's. */
    LEASE_LOST,
    /** A write guarded by this leadership was refused: another process leads. */
    FENCED,
    /**
     * Elected, it could not read the highest epoch any leader recorded: it may not issue epochs,
     * so it hands the leadership back and campaigns again.
     */
    EPOCHS_UNREAD,
    /** This process is stopping: it hands over at once. */
    STOPPING
  }

  /**
   * The role now; on a step-down, why (null when elected); and the leader key's creation revision
   * of the leadership that began or ended, so a listener told of changes late knows which one it is.
   */
  public record Change(Role role, StepDown reason, long revision) {}

  private final Duration lease;
  private final Duration commandWindow;
  private Role role = Role.STANDBY;
  private long revision;
  private Instant commandUntil = Instant.MIN;

  public Leadership(Duration lease) {
    if (lease.compareTo(MIN_LEASE) < 0) {
      throw new IllegalArgumentException("leader-lease: " + lease.toMillis() + " ms is below the least, "
          + MIN_LEASE.toMillis() + " ms");
    }
    this.lease = lease;
    this.commandWindow = lease.multipliedBy(2).dividedBy(3);
  }

  public Duration lease() {
    return lease;
  }

  /** How long after sending an acknowledged renewal a leader may command. */
  public Duration commandWindow() {
    return commandWindow;
  }

  /** How often a leader renews: several renewals fit in one command window, so one lost answer costs nothing. */
  public Duration renewEvery() {
    return lease.dividedBy(6);
  }

  public Role role() {
    return role;
  }

  /** The leader key's creation revision while leading: the fencing token guarded writes compare; 0 otherwise. */
  public long revision() {
    return role == Role.LEADER ? revision : 0;
  }

  /** Whether a command may leave now. */
  public boolean mayCommand(Instant now) {
    return role == Role.LEADER && now.isBefore(commandUntil);
  }

  /** Whether a command decided under the leadership of {@code keyRevision} may leave now: not under a later one. */
  public boolean mayCommand(long keyRevision, Instant now) {
    return revision() == keyRevision && mayCommand(now);
  }

  /**
   * How long, at {@code now}, the lease lasts at least without another renewal: a lease from the
   * send of the last acknowledged renewal; zero for a standby.
   */
  public Duration leaseRemaining(Instant now) {
    if (role != Role.LEADER) {
      return Duration.ZERO;
    }
    Duration left = Duration.between(now, commandUntil.minus(commandWindow).plus(lease));
    return left.isNegative() ? Duration.ZERO : left;
  }

  /**
   * A campaign sent at {@code sentAt} created the leader key at {@code keyRevision}: this process
   * leads, for the command window from {@code sentAt}.
   */
  public Optional<Change> elected(long keyRevision, Instant sentAt) {
    if (role == Role.LEADER) {
      throw new IllegalStateException("elected while leading (revision " + revision + ")");
    }
    role = Role.LEADER;
    revision = keyRevision;
    commandUntil = sentAt.plus(commandWindow);
    return Optional.of(new Change(Role.LEADER, null, keyRevision));
  }

  /** A renewal sent at {@code sentAt} was acknowledged: commands may go on until the window from then ends. */
  public void renewed(Instant sentAt) {
    if (role == Role.LEADER) {
      Instant until = sentAt.plus(commandWindow);
      if (until.isAfter(commandUntil)) {
        commandUntil = until;
      }
    }
  }

  /** Time passes: a leader whose window ended steps down, before its lease can expire. */
  public Optional<Change> tick(Instant now) {
    if (role == Role.LEADER && !now.isBefore(commandUntil)) {
      return stepDown(StepDown.DEADLINE_PASSED);
    }
    return Optional.empty();
  }

  /** The store says this leadership is over ({@code why}): a leader steps down at once. */
  public Optional<Change> lost(StepDown why) {
    return role == Role.LEADER ? stepDown(why) : Optional.empty();
  }

  private Optional<Change> stepDown(StepDown why) {
    Change change = new Change(Role.STANDBY, why, revision);
    role = Role.STANDBY;
    revision = 0;
    commandUntil = Instant.MIN;
    return Optional.of(change);
  }
}
