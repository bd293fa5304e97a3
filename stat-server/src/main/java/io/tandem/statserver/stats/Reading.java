package io.tandem.statserver.stats;

import io.tandem.stat.v1.AgentState;

/**
 * What one object's statistics are computed from at one moment, immutable: an agent's state and
 * totals, a group's ready agents and totals, a queue's waiting calls. The engine thread publishes
 * a new one after every change; readers on other threads take whichever is current.
 *
 * @param state an agent's state (LOGGED_OUT for other objects)
 * @param sinceMs when the agent entered it, in event time (0: never seen)
 * @param count ready agents of a group, or calls waiting in a queue
 * @param answered calls answered (an agent's, or a group's agents')
 * @param handled calls handled: talk and after-call work done
 * @param handleMs their handle time in all
 */
record Reading(AgentState state, long sinceMs, int count, long answered, long handled, long handleMs) {
  /** An object nothing has happened to yet. */
  static final Reading NONE = new Reading(AgentState.LOGGED_OUT, 0, 0, 0, 0, 0);

  Totals totals() {
    Totals totals = new Totals();
    totals.answered = answered;
    totals.handled = handled;
    totals.handleMs = handleMs;
    return totals;
  }
}
