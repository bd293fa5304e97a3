package io.tandem.protocol.redundancy;

import java.util.Optional;

/** What an epoch may be, and which claimed epoch a Management Layer may believe. */
public final class Epochs {
  /**
   * Far above any epoch a Management Layer issues (they start from its clock's milliseconds, about
   * 2^41, and grow by one per mode change), and far enough below the largest long that counting on
   * from it never wraps.
   */
  public static final long MAX = 1L << 53;
  /**
   * How far above the epochs a Management Layer issues from (one above its ledger's highest, or
   * 1 before it read one) a member's claim may be: 2^43 ms is 278 years, so a claim issued by a
   * Management Layer that lost its ledger and started from any clock this century is believed.
   * Each claim believed can raise the ledger by this much, so a member lying again and again needs
   * a thousand restarts or elections to use the epochs up; then the ledger refuses to record
   * above {@link #MAX} and the commands that would carry one are withheld.
   */
  public static final long MAX_AHEAD = 1L << 43;

  private Epochs() {}

  /** Why {@code epoch} cannot be one ("is negative"), or empty when it can. */
  public static Optional<String> problem(long epoch) {
    if (epoch < 0) {
      return Optional.of(epoch + " is negative");
    }
    if (epoch > MAX) {
      return Optional.of(epoch + " is above " + MAX + ", the most an epoch may be");
    }
    return Optional.empty();
  }

  /** Why a member's claim of {@code claimed} cannot be believed by one issuing from {@code floor}, or empty. */
  static Optional<String> claimProblem(long claimed, long floor) {
    return problem(claimed).or(() -> claimed - floor > MAX_AHEAD ? Optional.of(claimed + " is more than " + MAX_AHEAD
        + " above " + floor + ", the least epoch this Management Layer issues: no Management Layer issued it")
        : Optional.empty());
  }
}
