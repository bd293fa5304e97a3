package io.tandem.management.leader;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.concurrent.Scheduled;
import io.tandem.etcd.EtcdKv;
import io.tandem.protocol.leadership.CampaignPause;
import io.tandem.protocol.leadership.Leadership;
import io.tandem.protocol.leadership.Leadership.Change;
import io.tandem.protocol.leadership.Leadership.Role;
import io.tandem.protocol.leadership.Leadership.StepDown;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Management Layer's part in the election among several over one etcd cluster, as etcd's own
 * election recipe and Kubernetes' leader election run it: a lease, and a leader key created under
 * it only if no one holds it (a transaction comparing the key's creation revision with 0). The
 * leader renews its lease six times a lease on a keep-alive stream; a standby looks at the key as
 * often and campaigns once it is gone (its holder's lease expired or was revoked). Whether the
 * leader may command is {@link Leadership}'s decision, fed with the times renewals were sent.
 */
public final class EtcdLeaderElection implements Leading, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdLeaderElection.class);
  /** A stopping leader hands its lease back if etcd answers at once; otherwise the lease expires by itself. */
  private static final Duration STOPPING_REVOKE = Duration.ofSeconds(1);

  /** Who holds the leader key: the instance id and the address its clients use. */
  public record Leader(String instance, String address) {
    static Leader parse(ByteString value) {
      String text = value.toString(StandardCharsets.UTF_8);
      int space = text.indexOf(' ');
      return space < 0 ? new Leader(text, "") : new Leader(text.substring(0, space), text.substring(space + 1));
    }

    ByteString encode() {
      return ByteString.copyFromUtf8(instance + " " + address);
    }
  }

  private final EtcdKv kv;
  private final LeaseGrpc.LeaseBlockingStub leases;
  private final LeaseGrpc.LeaseStub keepAlives;
  private final KVGrpc.KVStub keyReads;
  private final ByteString key;
  private final Leader self;
  private final Supplier<Duration> lease;
  /** Made anew for each campaign, with the lease configured then. Guarded by this. */
  private Leadership leadership;
  private Instant lastRenewal = Instant.MIN;
  private final Clock monotonic;
  private final Duration callTimeout;
  private volatile Consumer<Change> listener;
  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("leader-election"));

  // Guarded by this.
  private long leaseId;
  private StreamObserver<LeaseKeepAliveRequest> renewals;
  private final ArrayDeque<Instant> renewalsSent = new ArrayDeque<>();
  private Optional<Leader> leader = Optional.empty();
  /** When a campaign may start after leaderships that could not read the epochs. Guarded by this. */
  private final CampaignPause campaigns = new CampaignPause();
  /** When the leadership held last was won (its campaign sent). Guarded by this. */
  private Instant electedAt = Instant.MIN;
  /** Set by {@link #close}: a campaign won after it hands its lease back at once. */
  private boolean closed;
  /** The lease a campaign in progress was granted (0: none), so {@link #close} can revoke it. */
  private long campaignLease;
  /** A lease being handed back after a step-down (0: none), so {@link #close} revokes it if its task was dropped. */
  private long handingBack;

  /**
   * @param key the leader key, e.g. {@code /tandem/management/leader}
   * @param lease the lease each campaign asks for; null while not known, and no campaign starts
   * @param monotonic the clock renewals and deadlines are measured on (never the wall clock)
   */
  public EtcdLeaderElection(Channel channel, ByteString key, Leader self, Supplier<Duration> lease, Clock monotonic,
      Duration callTimeout) {
    this.kv = new EtcdKv(channel, nanos -> { });
    this.leases = LeaseGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(EtcdKv.REQUIRE_LEADER));
    this.keepAlives = LeaseGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(EtcdKv.REQUIRE_LEADER));
    this.keyReads = KVGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(EtcdKv.REQUIRE_LEADER));
    this.key = key;
    this.self = self;
    this.lease = lease;
    this.leadership = new Leadership(Leadership.MIN_LEASE);
    this.monotonic = monotonic;
    this.callTimeout = callTimeout;
    this.listener = change -> { };
  }

  @Override
  public void onChange(Consumer<Change> listener) {
    this.listener = listener;
  }

  public void start() {
    // As often as the shortest lease's renewals: a lease configured shorter later is renewed in time too.
    Scheduled.repeat(executor, "leader election", Duration.ZERO, new Leadership(Leadership.MIN_LEASE).renewEvery(),
        this::step);
  }

  /** Whether a command may leave now, under the leadership held now. */
  public synchronized boolean mayCommand() {
    return leadership.mayCommand(monotonic.instant());
  }

  @Override
  public synchronized boolean mayCommand(long revision) {
    return leadership.mayCommand(revision, monotonic.instant());
  }

  /** The leader key's creation revision while leading (the fencing token); 0 otherwise. */
  @Override
  public synchronized long revision() {
    return leadership.revision();
  }

  @Override
  public synchronized Optional<Duration> leaseRemaining() {
    return leadership.role() == Role.LEADER ? Optional.of(leadership.leaseRemaining(monotonic.instant()))
        : Optional.empty();
  }

  @Override
  public synchronized Optional<String> standbyReason() {
    if (leadership.role() == Role.LEADER) {
      return Optional.empty();
    }
    if (leader.isEmpty() && !campaigns.mayCampaign(monotonic.instant())) {
      return Optional.of("this Management Layer stands by: it could not read the epochs when elected and sits out"
          + " a lease; try another");
    }
    return Optional.of("this Management Layer stands by: " + leader.map(l -> "the leader is at " + l.address())
        .orElse("no leader is known yet; try another"));
  }

  /** Who leads, as last seen: this process while it leads. */
  public synchronized Optional<Leader> leader() {
    return leadership.role() == Role.LEADER ? Optional.of(self) : leader;
  }

  /**
   * A write guarded by the leadership of {@code revision} was refused: another leads. Nothing
   * changes when that leadership is already over (a write that waited on etcd across a step-down
   * and a new election does not depose the new leadership).
   */
  public void fenced(long revision) {
    stepDown(revision, StepDown.FENCED);
  }

  @Override
  public synchronized void stepDown(long revision, StepDown cause) {
    if (leadership.revision() == revision) {
      changed(leadershipLost(cause));
    }
  }

  private void step() {
    synchronized (this) {
      Optional<Change> change = leadership.tick(monotonic.instant());
      change.ifPresent(c -> endLease());
      changed(change);
    }
    try {
      if (role() == Role.LEADER) {
        long held = renewIfDue();
        if (held != 0) {
          checkKey(held);
        }
      } else {
        campaign();
      }
    } catch (StatusRuntimeException e) {
      // etcd unreachable: a leader keeps commanding until its deadline, a standby tries again next step.
      LOG.debug("election step failed: {}", e.getStatus());
    }
  }

  private synchronized Role role() {
    return leadership.role();
  }

  private void campaign() {
    Duration configured = lease.get();
    RangeResponse held = kv.range(RangeRequest.newBuilder().setKey(key).build(), callTimeout);
    if (held.getKvsCount() > 0) {
      Leader holder = Leader.parse(held.getKvs(0).getValue());
      synchronized (this) {
        // This process's own key, left by a step-down whose revocation failed, names no leader: it expires.
        leader = holder.instance().equals(self.instance()) ? Optional.empty() : Optional.of(holder);
      }
      return;
    }
    synchronized (this) {
      leader = Optional.empty(); // no one holds the key
      if (configured == null || !campaigns.mayCampaign(monotonic.instant())) {
        // The lease is not configured yet, or it sits out after leaderships that could not read the
        // epochs: look again at the next step.
        return;
      }
    }
    Leadership next = new Leadership(configured);
    // Read before the grant is sent: etcd starts the lease's time when it receives the grant, not later.
    Instant sentAt = monotonic.instant();
    long granted = leases.withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttlSeconds(next.lease())).build()).getID();
    synchronized (this) {
      campaignLease = granted;
    }
    TxnResponse won;
    try {
      won = kv.txn(TxnRequest.newBuilder()
          .addCompare(Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.CREATE)
              .setResult(Compare.CompareResult.EQUAL).setCreateRevision(0))
          .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key).setValue(self.encode())
              .setLease(granted)))
          .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)))
          .build(), callTimeout);
    } catch (StatusRuntimeException e) {
      // Perhaps won without hearing so: handing the lease back takes the key with it.
      endCampaign(granted);
      throw e;
    }
    if (!won.getSucceeded()) {
      endCampaign(granted);
      RangeResponse holder = won.getResponses(0).getResponseRange();
      synchronized (this) {
        leader = holder.getKvsCount() == 0 ? Optional.empty() : Optional.of(Leader.parse(holder.getKvs(0).getValue()));
      }
      return;
    }
    synchronized (this) {
      if (closed) {
        return; // won while stopping: close() revokes the campaign's lease
      }
      campaignLease = 0;
      leaseId = granted;
      leader = Optional.of(self);
      leadership = next;
      lastRenewal = sentAt;
      electedAt = sentAt;
      changed(leadership.elected(won.getHeader().getRevision(), sentAt));
    }
  }

  private void endCampaign(long granted) {
    synchronized (this) {
      if (closed) {
        return; // close() revokes it, on a thread that is not being interrupted
      }
      campaignLease = 0;
    }
    revoke(granted);
  }

  /**
   * The leader key must still be this leadership's: one deleted by hand (or by a reset of the
   * prefix) while the lease lives would otherwise let another be elected beside it. Read without
   * waiting for the answer, so a slow etcd never delays the next renewal.
   */
  private void checkKey(long held) {
    keyReads.withDeadlineAfter(renewalPeriod().toMillis(), TimeUnit.MILLISECONDS)
        .range(RangeRequest.newBuilder().setKey(key).build(), new StreamObserver<>() {
          @Override
          public void onNext(RangeResponse found) {
            keyRead(held, found);
          }

          @Override
          public void onError(Throwable t) {
            LOG.debug("leader key not read: {}", Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            // One answer only.
          }
        });
  }

  private synchronized void keyRead(long held, RangeResponse found) {
    if (leadership.revision() == held && (found.getKvsCount() == 0 || found.getKvs(0).getCreateRevision() != held)) {
      changed(leadershipLost(StepDown.LEASE_LOST));
    }
  }

  private synchronized Duration renewalPeriod() {
    return leadership.renewEvery();
  }

  /** etcd counts leases in whole seconds: rounded up, so the lease is never shorter than the decision assumes. */
  static long ttlSeconds(Duration lease) {
    return (lease.toMillis() + 999) / 1000;
  }

  /**
   * Sends one renewal on the keep-alive stream (opened when there is none), a sixth of the lease
   * after the last; returns the leadership renewed, 0 when none was due.
   */
  private synchronized long renewIfDue() {
    Instant now = monotonic.instant();
    if (leadership.role() != Role.LEADER || now.isBefore(lastRenewal.plus(leadership.renewEvery()))) {
      return 0;
    }
    lastRenewal = now;
    if (renewals == null) {
      renewalsSent.clear();
      AtomicReference<StreamObserver<LeaseKeepAliveRequest>> mine = new AtomicReference<>();
      mine.set(keepAlives.leaseKeepAlive(new StreamObserver<>() {
        @Override
        public void onNext(LeaseKeepAliveResponse response) {
          renewalAnswered(mine.get(), response);
        }

        @Override
        public void onError(Throwable t) {
          streamEnded(mine.get());
        }

        @Override
        public void onCompleted() {
          streamEnded(mine.get());
        }
      }));
      renewals = mine.get();
    }
    renewalsSent.add(now);
    renewals.onNext(LeaseKeepAliveRequest.newBuilder().setID(leaseId).build());
    return leadership.revision();
  }

  private synchronized void renewalAnswered(StreamObserver<LeaseKeepAliveRequest> stream,
      LeaseKeepAliveResponse response) {
    if (stream != renewals || renewalsSent.isEmpty()) {
      return;
    }
    Instant sentAt = renewalsSent.poll();
    if (response.getTTL() > 0) {
      leadership.renewed(sentAt);
    } else {
      changed(leadershipLost(StepDown.LEASE_LOST));
    }
  }

  private synchronized void streamEnded(StreamObserver<LeaseKeepAliveRequest> stream) {
    if (stream == renewals) {
      renewals = null; // the renewals it carried go unanswered; the next step opens another
    }
  }

  private synchronized Optional<Change> leadershipLost(StepDown why) {
    Optional<Change> change = leadership.lost(why);
    change.ifPresent(c -> endLease());
    return change;
  }

  /** Lock held. Closes the keep-alive stream and revokes the lease (so a standby need not wait for it to expire). */
  private void endLease() {
    long ended = releaseLease();
    if (ended != 0) {
      handingBack = ended;
      executor.execute(() -> {
        revoke(ended);
        synchronized (this) {
          if (handingBack == ended) {
            handingBack = 0;
          }
        }
      });
    }
  }

  /** Lock held. Closes the keep-alive stream and forgets the lease; returns its id (0: none). */
  private long releaseLease() {
    if (renewals != null) {
      renewals.onCompleted();
      renewals = null;
    }
    long ended = leaseId;
    leaseId = 0;
    return ended;
  }

  private void revoke(long id) {
    revoke(id, callTimeout);
  }

  private void revoke(long id, Duration deadline) {
    try {
      leases.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
          .leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build());
    } catch (StatusRuntimeException e) {
      LOG.debug("lease {} not revoked ({}): it expires by itself", Long.toHexString(id), e.getStatus());
    }
  }

  /** Lock held, so the listener hears the changes in the order they happened. */
  private synchronized void changed(Optional<Change> change) {
    change.filter(c -> c.role() == Role.STANDBY).ifPresent(c -> steppedDown(c.reason()));
    change.ifPresent(listener);
  }

  /**
   * Lock held. After a step-down this process names no leader until it looks at the key again, and
   * may sit out before campaigning ({@link CampaignPause}; logged when it does).
   */
  private void steppedDown(StepDown why) {
    leader = Optional.empty();
    Duration pause = campaigns.steppedDown(why, leadership.lease(), electedAt, monotonic.instant());
    if (!pause.isZero()) {
      EventLog.emit(LOG, LogEvent.CAMPAIGN_PAUSED, "in_a_row", campaigns.unreadInARow(), "ms", pause.toMillis());
    }
  }

  /** Steps down (the lease revoked, so a standby takes over at once) and stops campaigning. */
  @Override
  public void close() throws InterruptedException {
    long ended;
    synchronized (this) {
      closed = true;
      changed(leadership.lost(StepDown.STOPPING));
      ended = releaseLease();
    }
    executor.shutdownNow();
    executor.awaitTermination(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
    long campaigning;
    long stepDown;
    synchronized (this) {
      campaigning = campaignLease; // a campaign interrupted, or won, while stopping
      campaignLease = 0;
      stepDown = handingBack;
      handingBack = 0;
    }
    for (long lease : new long[] {ended, campaigning, stepDown}) {
      if (lease != 0) {
        revoke(lease, STOPPING_REVOKE);
      }
    }
  }
}
