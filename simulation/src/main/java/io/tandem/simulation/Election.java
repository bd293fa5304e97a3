package io.tandem.simulation;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tandem.management.leader.Leading;
import io.tandem.protocol.leadership.CampaignPause;
import io.tandem.protocol.leadership.Leadership;
import io.tandem.protocol.leadership.Leadership.Change;
import io.tandem.protocol.leadership.Leadership.Role;
import io.tandem.protocol.leadership.Leadership.StepDown;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One Management Layer process's part in the election over etcd, step for step as
 * {@code EtcdLeaderElection} runs it (that class needs a gRPC channel): a standby reads the leader
 * key every step and, once it is gone, reads the time, grants a lease and creates the key under
 * it only if its creation revision is 0; the leader renews every sixth of the lease on a
 * keep-alive stream; stepping down revokes the lease. Every decision is the real
 * {@link Leadership}'s and {@link CampaignPause}'s. Its thread blocks on its calls, as the real one
 * does: a {@link VirtualExecutor} with a carrier.
 */
final class Election implements Leading {
  private final Node self;
  private final EtcdNode etcd;
  private final Supplier<Duration> lease;
  /** The mutant's gate: it neither steps down when its command window ends nor asks about the window. */
  private final boolean ignoresDeadline;
  /** The mutant's pause: none, however many leaderships in a row it hands back unread. */
  private final boolean neverSitsOut;
  private final VirtualExecutor thread;
  private Leadership leadership = new Leadership(Leadership.MIN_LEASE);
  private final CampaignPause campaigns = new CampaignPause();
  private Instant electedAt = Instant.MIN;
  private Instant lastRenewal = Instant.MIN;
  private Consumer<Change> listener = change -> { };
  private long leaseId;
  private Stream renewals;
  private final ArrayDeque<Instant> renewalsSent = new ArrayDeque<>();

  /** {@code lease}: the lease a campaign asks for, null until the configuration is read (no campaign then). */
  Election(Node self, EtcdNode etcd, Supplier<Duration> lease, Mutant mutant) {
    this.self = self;
    this.etcd = etcd;
    this.lease = lease;
    this.ignoresDeadline = mutant.ignoresDeadline();
    this.neverSitsOut = mutant.neverSitsOut();
    this.thread = VirtualExecutor.blocking(self.time, self, "leader-election");
  }

  void start() {
    var unused = thread.scheduleWithFixedDelay(this::step, 0,
        new Leadership(Leadership.MIN_LEASE).renewEvery().toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void onChange(Consumer<Change> listener) {
    this.listener = listener;
  }

  @Override
  public long revision() {
    return leadership.revision();
  }

  @Override
  public boolean mayCommand(long revision) {
    if (ignoresDeadline) {
      return leadership.role() == Role.LEADER && leadership.revision() == revision;
    }
    return leadership.mayCommand(revision, self.time.instant());
  }

  @Override
  public Optional<Duration> leaseRemaining() {
    return leadership.role() == Role.LEADER ? Optional.of(leadership.leaseRemaining(self.time.instant()))
        : Optional.empty();
  }

  @Override
  public Optional<String> standbyReason() {
    return leadership.role() == Role.LEADER ? Optional.empty() : Optional.of("this Management Layer stands by");
  }

  /** A write guarded by the leadership of {@code revision} was refused: another leads (if that leadership is not over). */
  void fenced(long revision) {
    stepDown(revision, StepDown.FENCED);
  }

  @Override
  public void stepDown(long revision, StepDown cause) {
    if (leadership.revision() == revision) {
      changed(leadershipLost(cause));
    }
  }

  private void step() {
    if (!ignoresDeadline) {
      Optional<Change> change = leadership.tick(self.time.instant());
      change.ifPresent(c -> endLease());
      changed(change);
    }
    try {
      if (leadership.role() == Role.LEADER) {
        renewIfDue();
      } else {
        campaign();
      }
    } catch (StatusRuntimeException e) {
      // etcd unreachable: a leader keeps commanding until its deadline, a standby tries again next step.
      note("election step failed: " + e.getStatus());
    }
  }

  private void campaign() {
    Duration configured = lease.get();
    EtcdNode.Entry held = ((Message.EtcdRead) call(new Message.EtcdRange(EtcdNode.LEADER_KEY))).found();
    if (held != null || configured == null || !(neverSitsOut || campaigns.mayCampaign(self.time.instant()))) {
      return;
    }
    Leadership next = new Leadership(configured);
    // Read before the grant is sent: etcd starts the lease's time when it receives the grant, not later.
    Instant sentAt = self.time.instant();
    long granted = ((Message.EtcdGranted) call(new Message.EtcdGrant((next.lease().toMillis() + 999) / 1000))).lease();
    Message.EtcdTxnAnswer won = (Message.EtcdTxnAnswer) call(new Message.EtcdTxn(
        List.of(new EtcdNode.Compare(EtcdNode.LEADER_KEY, EtcdNode.Compare.Target.CREATE, 0)),
        EtcdNode.LEADER_KEY, self.name + "#" + self.incarnation(), granted));
    if (!won.succeeded()) {
      revoke(granted);
      return;
    }
    leaseId = granted;
    leadership = next;
    lastRenewal = sentAt;
    electedAt = sentAt;
    changed(leadership.elected(won.revision(), sentAt));
  }

  /** Sends one renewal on the keep-alive stream (opened when there is none), a sixth of the lease after the last. */
  private void renewIfDue() {
    Instant now = self.time.instant();
    if (now.isBefore(lastRenewal.plus(leadership.renewEvery()))) {
      return;
    }
    lastRenewal = now;
    if (renewals == null) {
      renewalsSent.clear();
      Stream opened = self.network.open(self, etcd, etcd::accept);
      opened.clientEnd = new Stream.End() {
        @Override
        public void receive(Message message) {
          renewalAnswered(opened, (Message.EtcdKeptAlive) message);
        }

        @Override
        public void ended(Status status, Metadata trailers) {
          if (opened == renewals) {
            renewals = null; // the renewals it carried go unanswered; the next step opens another
          }
        }
      };
      renewals = opened;
    }
    renewalsSent.add(now);
    self.network.send(renewals, self, new Message.EtcdKeepAlive(leaseId));
  }

  private void renewalAnswered(Stream stream, Message.EtcdKeptAlive answer) {
    if (stream != renewals || renewalsSent.isEmpty()) {
      return;
    }
    Instant sentAt = renewalsSent.poll();
    if (answer.ttlSeconds() > 0) {
      leadership.renewed(sentAt);
    } else {
      changed(leadershipLost(StepDown.LEASE_LOST));
    }
  }

  private Optional<Change> leadershipLost(StepDown why) {
    Optional<Change> change = leadership.lost(why);
    change.ifPresent(c -> endLease());
    return change;
  }

  /** Closes the keep-alive stream and revokes the lease on the election's thread, so a standby need not wait for it to expire. */
  private void endLease() {
    if (renewals != null) {
      self.network.finish(renewals, self, Status.CANCELLED, new Metadata());
      renewals = null;
    }
    long ended = leaseId;
    leaseId = 0;
    if (ended != 0) {
      thread.execute(() -> revoke(ended));
    }
  }

  private void revoke(long id) {
    try {
      call(new Message.EtcdRevoke(id));
    } catch (StatusRuntimeException e) {
      note("lease " + id + " not revoked (" + e.getStatus().getCode() + "): it expires by itself");
    }
  }

  private void changed(Optional<Change> change) {
    change.ifPresent(c -> {
      note(c.role() == Role.LEADER ? "elected: the leader key created at revision " + c.revision()
          : "steps down (" + c.reason() + ") from revision " + c.revision());
      if (c.role() == Role.STANDBY) {
        Duration pause = campaigns.steppedDown(c.reason(), leadership.lease(), electedAt, self.time.instant());
        if (!pause.isZero()) {
          note("campaigns paused for " + pause.toMillis() + " ms: " + campaigns.unreadInARow()
              + " leaderships in a row could not read the epochs");
        }
      }
      listener.accept(c);
    });
  }

  /** A call to etcd: the election's thread waits for the answer, or the failure, on virtual time. */
  private Message call(Message request) {
    return thread.carrier().await(done -> self.network.call(self, etcd, etcd::accept, request,
        EtcdNode.CALL_TIMEOUT_MS, done::complete, status -> done.fail(status.asRuntimeException())));
  }

  private void note(String what) {
    if (self.trace.enabled()) {
      self.trace.note(self.time.now(), self.name, what);
    }
  }
}
