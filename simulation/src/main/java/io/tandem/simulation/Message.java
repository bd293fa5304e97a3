package io.tandem.simulation;

import io.tandem.config.v1.Application;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ConfigObject;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.ModeCommand;
import io.tandem.protocol.reload.PeerProbe;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** What travels on the simulated streams: one record per message of the real contracts that matters here. */
sealed interface Message {
  // ---- to and from the Config Server -------------------------------------------------------

  /** A full snapshot, as ListObjects gives it. */
  record SnapshotRequest() implements Message {}

  record Snapshot(Map<String, ConfigObject> objects, long head) implements Message {}

  /** Watch from a position, as a Stat Server's session restore does. */
  record WatchRequest(long after) implements Message {}

  record Changes(List<ChangeEvent> events) implements Message {}

  record Progress(long head) implements Message {}

  record Expired(long requestedAfter, long oldestRetained, long head) implements Message {}

  /** The Applications (the Stat Server's option poll, the Management Layer's pairs). */
  record ApplicationsRequest(boolean follow) implements Message {}

  record Applications(Map<String, Application> applications) implements Message {}

  // ---- supervision ------------------------------------------------------------------------------

  record Hello(String application, String instanceId, Mode mode, long epoch) implements Message {}

  record Report(long reportId, AppStatus status, String detail) implements Message {}

  record ModeAck(ModeCommand command) implements Message {}

  record Heartbeat(long epoch) implements Message {}

  record Command(ModeCommand command) implements Message {}

  record StatusAck(long reportId) implements Message {}

  record Settings(Duration heartbeatInterval) implements Message {}

  // ---- the backup probe -------------------------------------------------------------------------

  record ProbeRequest() implements Message {}

  record ProbeReply(PeerProbe probe) implements Message {}
}
