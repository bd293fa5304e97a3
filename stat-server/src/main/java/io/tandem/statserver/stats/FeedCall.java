package io.tandem.statserver.stats;

import io.grpc.Status;

/**
 * One Feed call as the statistics engine sees it: what became of its events, and its way back to
 * the producer. The engine acknowledges and refuses on its thread, in the order of the call's
 * batches; it asks for more from whichever thread finds room in the feed budget.
 */
public interface FeedCall {
  /** What became of its events so far. */
  FeedCounters counters();

  /** A batch of it was applied (or skipped as already applied): tell the producer how far it came. */
  void acknowledge();

  /** A batch of it cannot be applied: the call ends with {@code status}, after the acknowledgements before it. */
  void refuse(Status status);

  /** Asks the producer for one more batch. */
  void more();
}
