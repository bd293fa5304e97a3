package io.tandem.protocol.sharedlog;

import java.util.function.BooleanSupplier;

/**
 * What a Config Server concludes from the shared log's answer to a write guarded by the head
 * ("if the head is still H, append this request as H+1..H+n").
 *
 * <p>The key insight: when an attempt's answer is lost (a leader killed mid-call) and the write is
 * tried again, a failed compare does not mean another writer won — the earlier attempt may have
 * moved the head itself. Only the entry at the request's first id tells the two apart; reading it
 * is needed only when the head has reached the request's last id.
 */
public enum WriteOutcome {
  /** The compare held: the request is in the log now, under the ids it was given. */
  COMMITTED,
  /** The compare failed because an earlier attempt of this very request committed it: acknowledge it once. */
  COMMITTED_BY_AN_EARLIER_ATTEMPT,
  /** Another writer committed first: catch up to the log's head and validate the request again. */
  LOST_THE_RACE;

  /**
   * What the answer means.
   *
   * @param compareHeld whether the log's head was the one the request was validated against
   * @param logHead the head the log holds (when the compare failed)
   * @param lastEventId the request's last event id
   * @param entryIsThisRequest whether the log's entry at the request's first id is this request
   */
  public static WriteOutcome of(boolean compareHeld, long logHead, long lastEventId, BooleanSupplier entryIsThisRequest) {
    if (compareHeld) {
      return COMMITTED;
    }
    return logHead >= lastEventId && entryIsThisRequest.getAsBoolean() ? COMMITTED_BY_AN_EARLIER_ATTEMPT : LOST_THE_RACE;
  }
}
