package io.tandem.protocol.redundancy;

import java.util.Optional;

/** What an epoch may be. */
public final class Epochs {
  /**
   * Far above any epoch a Management Layer issues (they start from its clock's milliseconds, about
   * 2^41, and grow by one per mode change), and far enough below the largest long that one added
   * to it never wraps: an epoch claimed above it comes from a peer that is wrong, not from us.
   */
  public static final long MAX = 1L << 53;

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
}
