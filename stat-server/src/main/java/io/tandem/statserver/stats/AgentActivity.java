package io.tandem.statserver.stats;

import io.tandem.stat.v1.AgentState;

/** What one agent is doing, in event time, and what it has done. */
final class AgentActivity {
  AgentState state = AgentState.LOGGED_OUT;
  long sinceMs;
  String callId;
  long talkStartedMs;
  long talkMs;
  long afterCallWorkStartedMs;
  final Totals totals = new Totals();

  void enter(AgentState newState, long atMs) {
    state = newState;
    sinceMs = atMs;
  }
}
