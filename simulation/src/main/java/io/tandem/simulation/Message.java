package io.tandem.simulation;

import io.tandem.config.v1.Application;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import io.tandem.management.v1.SupervisionCommand;
import io.tandem.management.v1.SupervisionMessage;
import io.tandem.protocol.reload.PeerProbe;
import java.util.List;
import java.util.Map;

/** What travels on the simulated streams: one record per message of the real contracts that matters here. */
sealed interface Message {
  // ---- to and from the Config Server -------------------------------------------------------

  /** A full snapshot, as ListObjects gives it. */
  record SnapshotRequest() implements Message {}

  record Snapshot(Map<String, ConfigObject> objects, long head) implements Message {}

  /** One object, as GetObject reads it. */
  record GetRequest(ObjectType type, String name) implements Message {}

  /** The object read, or null when there is none of that name. */
  record Found(ConfigObject object) implements Message {}

  /** Watch from a position, as a Stat Server's session restore does. */
  record WatchRequest(long after) implements Message {}

  record Changes(List<ChangeEvent> events) implements Message {}

  record Progress(long head) implements Message {}

  record Expired(long requestedAfter, long oldestRetained, long head) implements Message {}

  /** Follow the Applications, as the Management Layer does to form its pairs. */
  record FollowApplications() implements Message {}

  record Applications(Map<String, Application> applications) implements Message {}

  // ---- supervision: the real messages, both ways ---------------------------------------------------

  record Supervision(SupervisionMessage message) implements Message {}

  record Supervised(SupervisionCommand command) implements Message {}

  // ---- the backup probe: health and server info, at a Stat Server's client port ---------------

  record ProbeRequest() implements Message {}

  record ProbeReply(PeerProbe probe) implements Message {}

  // ---- to and from etcd: what the election and the epoch ledger ask of it --------------------

  /** Reads one key, as a Range of one key does. */
  record EtcdRange(String key) implements Message {}

  /** The key read (null when there is none) and the store's revision then. */
  record EtcdRead(EtcdNode.Entry found, long revision) implements Message {}

  record EtcdGrant(long ttlSeconds) implements Message {}

  record EtcdGranted(long lease) implements Message {}

  /** A transaction: if every comparison holds, puts {@code value} at {@code key}, attached to {@code lease} (0: none). */
  record EtcdTxn(List<EtcdNode.Compare> compares, String key, String value, long lease) implements Message {}

  /** Whether the comparisons held, and the store's revision after the transaction. */
  record EtcdTxnAnswer(boolean succeeded, long revision) implements Message {}

  /** One renewal on a keep-alive stream. */
  record EtcdKeepAlive(long lease) implements Message {}

  /** Its answer: the lease's TTL, 0 when it expired or was revoked. */
  record EtcdKeptAlive(long ttlSeconds) implements Message {}

  record EtcdRevoke(long lease) implements Message {}

  record EtcdRevoked() implements Message {}
}
