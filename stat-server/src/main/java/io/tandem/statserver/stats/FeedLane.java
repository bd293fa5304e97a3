package io.tandem.statserver.stats;

/**
 * One Feed call's place in the engine ({@link StatisticsEngine#openFeed}): its turn in the
 * server's one feed budget, and whether a batch of it was refused — nothing of it after that is
 * applied.
 */
public final class FeedLane {
  final FeedCall call;
  /** Where it stands in the feed budget; guarded by the budget. */
  FeedBudget.Turn turn = FeedBudget.Turn.IDLE;
  /** A batch of it was refused; the engine thread's. */
  boolean refused;

  FeedLane(FeedCall call) {
    this.call = call;
  }
}
