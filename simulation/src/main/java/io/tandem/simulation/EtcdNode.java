package io.tandem.simulation;

import io.grpc.Metadata;
import io.grpc.Status;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * etcd as the Management Layers use it, as one linearizable member: keys with the revisions that
 * created and last wrote them, leases granted, kept alive and revoked on virtual time, and
 * transactions that put only if their comparisons hold. A lease expires its TTL after the last
 * renewal it received (etcd: never earlier), and the keys attached to it go with it. What it holds
 * survives an outage; a restart gives every lease its whole TTL again, as etcd's lessor does when
 * a member becomes leader.
 *
 * <p>It is also the oracle of who may command: {@link #leads}.
 */
final class EtcdNode extends Node {
  /** {@code --etcd-timeout-ms}'s default: how long a Management Layer's call to etcd may take. */
  static final long CALL_TIMEOUT_MS = 5_000;
  static final String LEADER_KEY = "/tandem/management/leader";
  static final String EPOCH_KEY = "/tandem/management/epoch";

  /** A key: its value, the revisions that created it and last wrote it, and its lease (0: none). */
  record Entry(String value, long createRevision, long modRevision, long lease) {}

  /** A transaction's comparison: the key's creation or last write was at {@code revision} (0: no such key). */
  record Compare(String key, Target target, long revision) {
    enum Target { CREATE, MOD }

    boolean holds(Entry entry) {
      long actual = entry == null ? 0 : target == Target.CREATE ? entry.createRevision() : entry.modRevision();
      return actual == revision;
    }
  }

  private static final class Lease {
    final long ttlSeconds;
    long expiresAt;

    Lease(long ttlSeconds) {
      this.ttlSeconds = ttlSeconds;
    }
  }

  private final Map<String, Entry> keys = new TreeMap<>();
  /** Clients whose reads of the epoch key are refused. */
  private final Set<Node> epochsRefusedTo = new HashSet<>();
  private final Map<Long, Lease> leases = new TreeMap<>();
  private long revision = 1;
  private long lastLease;

  EtcdNode(VirtualTime time, Network network, Trace trace) {
    super(World.ETCD, time, network, trace);
  }

  @Override
  void onStart() {
    leases.forEach(this::liveFromNow);
  }

  /**
   * Whether the leader key is the one created at {@code keyRevision} and its lease has not
   * expired: whether that leadership may still command. (While etcd is down, a lease past its
   * time counts as expired, although a restart would give it its TTL again: a leader that stops
   * in time stops before either.)
   */
  boolean leads(long keyRevision) {
    Entry held = keys.get(LEADER_KEY);
    Lease lease = held == null ? null : leases.get(held.lease());
    return held != null && held.createRevision() == keyRevision && lease != null && lease.expiresAt > time.now();
  }

  /** Who holds the leader key, and until when, as a violation tells it. */
  String leaderKey() {
    Entry held = keys.get(LEADER_KEY);
    if (held == null) {
      return "no leader key";
    }
    Lease lease = leases.get(held.lease());
    return "the leader key is " + held.value() + "'s (revision " + held.createRevision() + "), its lease "
        + (lease == null ? "gone" : "expiring at " + lease.expiresAt + " ms");
  }

  /** From now on {@code client}'s reads of the epoch key are refused (its role no longer grants them). */
  void refuseEpochReads(Node client) {
    epochsRefusedTo.add(client);
  }

  void readEpochsAgain(Node client) {
    epochsRefusedTo.remove(client);
  }

  /** Whether {@code client}'s reads of the epoch key are refused. */
  boolean refusesEpochReads(Node client) {
    return epochsRefusedTo.contains(client);
  }

  // ---- what clients ask ----------------------------------------------------------------------

  Stream.End accept(Stream stream) {
    return new Stream.End() {
      @Override
      public void receive(Message message) {
        if (message instanceof Message.EtcdKeepAlive keepAlive) {
          network.send(stream, EtcdNode.this, new Message.EtcdKeptAlive(renew(keepAlive.lease())));
        } else if (message instanceof Message.EtcdRange range && range.key().equals(EPOCH_KEY)
            && epochsRefusedTo.contains(stream.client)) {
          network.finish(stream, EtcdNode.this, Status.PERMISSION_DENIED.withDescription(
              "etcdserver: permission denied"), new Metadata());
        } else if (message instanceof Message.EtcdTxn txn && txn.lease() != 0 && !leases.containsKey(txn.lease())) {
          network.finish(stream, EtcdNode.this, Status.NOT_FOUND.withDescription("etcdserver: requested lease not found"),
              new Metadata());
        } else {
          network.send(stream, EtcdNode.this, answer(message));
          network.finish(stream, EtcdNode.this);
        }
      }

      @Override
      public void ended(Status status, Metadata trailers) {}
    };
  }

  private Message answer(Message request) {
    if (request instanceof Message.EtcdRange range) {
      return new Message.EtcdRead(keys.get(range.key()), revision);
    } else if (request instanceof Message.EtcdGrant grant) {
      Lease lease = new Lease(grant.ttlSeconds());
      leases.put(++lastLease, lease);
      liveFromNow(lastLease, lease);
      return new Message.EtcdGranted(lastLease);
    } else if (request instanceof Message.EtcdTxn txn) {
      return new Message.EtcdTxnAnswer(commit(txn), revision);
    } else if (request instanceof Message.EtcdRevoke revoke) {
      end(revoke.lease());
      return new Message.EtcdRevoked();
    }
    throw new IllegalStateException("etcd does not take " + request);
  }

  private boolean commit(Message.EtcdTxn txn) {
    for (Compare compare : txn.compares()) {
      if (!compare.holds(keys.get(compare.key()))) {
        return false;
      }
    }
    Entry before = keys.get(txn.key());
    revision++;
    keys.put(txn.key(), new Entry(txn.value(), before == null ? revision : before.createRevision(), revision,
        txn.lease()));
    return true;
  }

  /** A renewal: the lease lives its whole TTL from now; answered with the TTL, or 0 when it is gone. */
  private long renew(long id) {
    Lease lease = leases.get(id);
    if (lease == null || lease.expiresAt <= time.now()) {
      return 0;
    }
    liveFromNow(id, lease);
    return lease.ttlSeconds;
  }

  private void liveFromNow(long id, Lease lease) {
    long expiresAt = time.now() + lease.ttlSeconds * 1_000;
    lease.expiresAt = expiresAt;
    time.at(expiresAt, this, incarnation(), () -> {
      if (lease.expiresAt == expiresAt) {
        end(id);
      }
    });
  }

  /** The lease ends, and the keys attached to it are deleted (one revision, as etcd's revoke is). */
  private void end(long id) {
    if (leases.remove(id) == null) {
      return;
    }
    List<String> attached = keys.entrySet().stream().filter(e -> e.getValue().lease() == id).map(Map.Entry::getKey)
        .toList();
    if (!attached.isEmpty()) {
      revision++;
      attached.forEach(keys::remove);
      trace.note(time.now(), name, "lease " + id + " ended: " + String.join(", ", attached) + " deleted");
    }
  }
}
