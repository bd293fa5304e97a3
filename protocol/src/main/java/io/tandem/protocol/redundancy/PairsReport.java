package io.tandem.protocol.redundancy;

import com.google.protobuf.util.Timestamps;
import io.tandem.management.v1.MemberStatus;
import io.tandem.management.v1.PairStatus;
import io.tandem.management.v1.PairsStatus;
import java.time.Instant;

/** The status report of every pair and standalone application, as {@code GetPairs} and {@code WatchPairs} show it. */
final class PairsReport {
  private PairsReport() {}

  /** Every pair, then every standalone application that has connected, without {@code as_of}. */
  static PairsStatus of(PairState state, ModeChanges modeChanges, Instant now) {
    PairsStatus.Builder status = PairsStatus.newBuilder();
    for (Pair pair : state.pairs()) {
      PairStatus.Builder p = PairStatus.newBuilder()
          .addMembers(member(pair.first))
          .addMembers(member(pair.second))
          .setEpoch(pair.epoch)
          .setRecentModeChanges(modeChanges.recent(pair, now));
      if (pair.last != null) {
        p.setLastSwitchover(pair.last);
      }
      status.addPairs(p);
    }
    for (Member m : state.members()) {
      if (m.pair == null && m.everConnected) {
        status.addPairs(PairStatus.newBuilder().addMembers(member(m)).setEpoch(m.standaloneEpoch));
      }
    }
    return status.build();
  }

  private static MemberStatus member(Member m) {
    MemberStatus.Builder b = MemberStatus.newBuilder()
        .setApplication(m.name)
        .setConnected(m.connected)
        .setMode(m.mode)
        .setModeAcknowledged(m.acknowledged)
        .setStatus(m.status)
        .setStatusDetail(m.detail)
        .setClientAddress(m.clientAddress)
        .setEpoch(m.epoch)
        .setInstanceId(m.connected ? m.instanceId : "")
        .setHung(m.hung);
    if (m.since != null) {
      b.setSince(Timestamps.fromMillis(m.since.toEpochMilli()));
    }
    if (m.lastHeartbeat != null) {
      b.setLastHeartbeat(Timestamps.fromMillis(m.lastHeartbeat.toEpochMilli()));
    }
    return b.build();
  }
}
