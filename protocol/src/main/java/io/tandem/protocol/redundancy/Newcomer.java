package io.tandem.protocol.redundancy;

import io.tandem.management.v1.AppStatus;
import java.time.Instant;

/** An instance waiting to take a member's place: its hello, and what it reported meanwhile. */
final class Newcomer {
  final Arrival arrival;
  AppStatus status = AppStatus.INITIALIZING;
  String detail = "";
  Instant lastHeartbeat;

  Newcomer(Arrival arrival, Instant now) {
    this.arrival = arrival;
    this.lastHeartbeat = now;
  }

  boolean is(long session) {
    return arrival.session() == session;
  }
}
