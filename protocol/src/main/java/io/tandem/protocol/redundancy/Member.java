package io.tandem.protocol.redundancy;

import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.Mode;
import java.time.Instant;

/** What the controller knows of one configured application: its stream, status, mode and liveness. */
final class Member {
  final String name;
  boolean configured;
  boolean everConnected;
  boolean connected;
  long session;
  String instanceId = "";
  String clientAddress = "";
  String peer = "";
  AppStatus status = AppStatus.APP_STATUS_UNSPECIFIED;
  String detail = "";
  Mode mode = Mode.MODE_UNSPECIFIED;
  boolean acknowledged;
  long pendingCommand;
  /** The epoch of the mode it last acknowledged (or claimed in its hello). */
  long epoch;
  /** The epoch of the last mode it was told or was adopted in (it may not have acknowledged it yet). */
  long commandedEpoch;
  Instant since;
  /** When it stopped being alive (stream lost, or hung); null while alive. */
  Instant lostAt;
  Instant lastHeartbeat;
  boolean hung;
  /** Reported RUNNING with no mode while its peer, unheard of, may still be primary. */
  boolean waitingForPeer;
  Pair pair;
  /** The epoch of a standalone member (a pair keeps its own). */
  long standaloneEpoch;
  /**
   * Another instance that said hello while the member's mode still belonged to an instance that
   * may return: it waits, without a mode, until that one is gone for good or returns.
   */
  Newcomer newcomer;

  Member(String name) {
    this.name = name;
  }

  boolean alive() {
    return connected && !hung;
  }

  /** Alive and {@code RUNNING}: it can be made primary. */
  boolean ready() {
    return alive() && status == AppStatus.RUNNING;
  }

  /** The epoch its mode commands carry: its pair's, or its own while standalone. */
  long currentEpoch() {
    return pair != null ? pair.epoch : standaloneEpoch;
  }

  /** The peer in its pair; null while standalone. */
  Member peerInPair() {
    return pair == null ? null : pair.other(this);
  }
}
