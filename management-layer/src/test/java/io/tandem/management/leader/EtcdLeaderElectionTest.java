package io.tandem.management.leader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.PutRequest;
import io.tandem.etcd.EtcdChannels;
import io.tandem.etcd.EtcdKv;
import io.tandem.management.ledger.CorruptLedgerException;
import io.tandem.management.ledger.EpochNotRecordedException;
import io.tandem.protocol.leadership.Leadership.Change;
import io.tandem.protocol.leadership.Leadership.Role;
import io.tandem.protocol.leadership.Leadership.StepDown;
import io.tandem.protocol.time.MonotonicClock;
import io.tandem.testing.SharedEtcdCluster;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two Management Layers' elections over a real three-member etcd ETCD.cluster(). */
class EtcdLeaderElectionTest {
  private static final Duration PATIENCE = Duration.ofMinutes(1);
  private static final Duration LEASE = Duration.ofSeconds(3);
  /** As long as a call to etcd may take: generous, for a busy machine (a cut link fails at once). */
  private static final Duration CALL = Duration.ofSeconds(10);
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static final long FIRST = 1_000_000;
  /** A clock at {@code FIRST} ms since 1970, for the epoch ledger's first start. */
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(FIRST), java.time.ZoneOffset.UTC);
  /** Another host's clock, an hour ahead. */
  private static final Clock LATER_CLOCK = Clock.offset(CLOCK, Duration.ofHours(1));

  @RegisterExtension
  static final SharedEtcdCluster ETCD = new SharedEtcdCluster(3);

  private final String prefix = "/election-" + PREFIXES.incrementAndGet() + "/";
  private final ByteString leaderKey = ByteString.copyFromUtf8(prefix + "leader");
  private final ByteString epochKey = ByteString.copyFromUtf8(prefix + "epoch");
  private final Clock monotonic = MonotonicClock.startingNow();
  private final List<AutoCloseable> opened = new ArrayList<>();
  /** Each member's role changes, with the monotonic time they happened. */
  private final Map<String, List<Change>> changes = new ConcurrentHashMap<>();
  private final Map<String, EtcdLeaderElection> elections = new ConcurrentHashMap<>();
  /** Whether, when each was elected, any other could still command. */
  private final Map<String, Boolean> otherCommandedAtElection = new ConcurrentHashMap<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
  }

  /**
   * A link to etcd that can be cut: the calls open then (the keep-alive stream above all) end, and
   * every call after fails, as an unreachable cluster's would.
   */
  private static final class CuttableLink implements ClientInterceptor {
    private final AtomicBoolean cut = new AtomicBoolean();
    private final Set<ClientCall<?, ?>> open = ConcurrentHashMap.newKeySet();

    void cut() {
      cut.set(true);
      open.forEach(call -> call.cancel("link cut", null));
    }

    void heal() {
      cut.set(false);
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      if (cut.get()) {
        return new FailedCall<>();
      }
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          ClientCall<Q, R> call = this;
          open.add(call);
          super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
            @Override
            public void onClose(Status status, Metadata trailers) {
              open.remove(call);
              super.onClose(status, trailers);
            }
          }, headers);
          if (cut.get()) {
            cancel("link cut", null); // cut while it started
          }
        }
      };
    }
  }

  private static final class FailedCall<Q, R> extends ClientCall<Q, R> {
    @Override
    public void start(Listener<R> listener, Metadata headers) {
      listener.onClose(Status.UNAVAILABLE.withDescription("link cut"), new Metadata());
    }

    @Override
    public void request(int numMessages) {}

    @Override
    public void cancel(String message, Throwable cause) {}

    @Override
    public void halfClose() {}

    @Override
    public void sendMessage(Q message) {}
  }

  private Channel channel(CuttableLink link) {
    ManagedChannel channel = EtcdChannels.open(ETCD.cluster().endpoints(), io.grpc.InsecureChannelCredentials.create());
    opened.add(channel::shutdownNow);
    return ClientInterceptors.intercept(channel, link);
  }

  private EtcdLeaderElection election(String name, Channel channel) {
    return election(name, channel, change -> { });
  }

  /** {@code also} hears each change after the test's own record of it. */
  private EtcdLeaderElection election(String name, Channel channel, Consumer<Change> also) {
    EtcdLeaderElection election = new EtcdLeaderElection(channel, leaderKey,
        new EtcdLeaderElection.Leader(name, name + ":2030"), () -> LEASE, monotonic, CALL);
    election.onChange(change -> {
      if (change.role() == Role.LEADER) {
        otherCommandedAtElection.put(name, elections.entrySet().stream()
            .anyMatch(other -> !other.getKey().equals(name) && other.getValue().mayCommand()));
      }
      changes.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(change);
      also.accept(change);
    });
    elections.put(name, election);
    opened.add(election);
    election.start();
    return election;
  }

  @Test
  void oneOfTwoLeadsAndTheOtherNamesItsAddress() {
    EtcdLeaderElection a = election("a", channel(new CuttableLink()));
    EtcdLeaderElection b = election("b", channel(new CuttableLink()));
    await().atMost(PATIENCE).until(() -> a.mayCommand() != b.mayCommand() && a.leader().isPresent() && b.leader().isPresent());
    EtcdLeaderElection leader = a.mayCommand() ? a : b;
    EtcdLeaderElection standby = leader == a ? b : a;
    assertThat(standby.leader()).map(EtcdLeaderElection.Leader::address).contains(leader == a ? "a:2030" : "b:2030");
    assertThat(standby.standbyReason()).hasValueSatisfying(reason -> assertThat(reason).contains("stands by",
        "the leader is at " + (leader == a ? "a:2030" : "b:2030")));
    assertThat(leader.standbyReason()).isEmpty();
    assertThat(standby.revision()).isZero();
    assertThat(leader.revision()).isPositive();
  }

  @Test
  void aLeaderThatStopsHandsOverWithoutWaitingForItsLease() throws Exception {
    EtcdLeaderElection a = election("a", channel(new CuttableLink()));
    await().atMost(PATIENCE).until(a::mayCommand);
    long aToken = a.revision();
    EtcdLeaderElection b = election("b", channel(new CuttableLink()));
    await().atMost(PATIENCE).until(() -> b.leader().isPresent());
    a.close();
    assertThat(changes.get("a")).last().isEqualTo(new Change(Role.STANDBY, StepDown.STOPPING, aToken));
    await().atMost(PATIENCE).until(b::mayCommand);
  }

  @Test
  void oneElectedAgainAndAgainWithoutReadingTheEpochsSitsOutALeaseFromTheSecondTime() {
    // As the Management Layer hands a leadership back when its epoch read fails: from its own thread.
    ExecutorService loop = Executors.newSingleThreadExecutor();
    opened.add(loop::shutdownNow);
    List<Instant> elected = new CopyOnWriteArrayList<>();
    List<Instant> handedBack = new CopyOnWriteArrayList<>();
    List<String> toldAfter = new CopyOnWriteArrayList<>();
    election("a", channel(new CuttableLink()), change -> {
      EtcdLeaderElection a = elections.get("a");
      if (change.role() == Role.LEADER) {
        elected.add(monotonic.instant());
        loop.execute(() -> {
          handedBack.add(monotonic.instant());
          a.stepDown(change.revision(), StepDown.EPOCHS_UNREAD);
        });
      } else {
        // Told of the step-down under the election's lock: what callers are told from then on.
        toldAfter.add(a.leader().map(EtcdLeaderElection.Leader::address).orElse("none") + "; "
            + a.standbyReason().orElse("leads"));
      }
    });

    await("elected four times").atMost(PATIENCE).until(() -> elected.size() >= 4 && toldAfter.size() >= 3);
    assertThat(toldAfter.get(0)).as("what callers are told after the first hand-back")
        .isEqualTo("none; this Management Layer stands by: no leader is known yet; try another");
    assertThat(toldAfter.subList(1, 3)).as("after the second and third").allSatisfy(told -> assertThat(told)
        .startsWith("none; this Management Layer stands by: it could not read the epochs when elected and sits out"));
    assertThat(Duration.between(handedBack.get(1), elected.get(2))).as("after the second hand-back")
        .isGreaterThanOrEqualTo(LEASE);
    assertThat(Duration.between(handedBack.get(2), elected.get(3))).as("after the third")
        .isGreaterThanOrEqualTo(LEASE);
  }

  @Test
  void aLeaderCutFromEtcdStopsCommandingBeforeTheOtherIsElected() {
    CuttableLink aLink = new CuttableLink();
    EtcdLeaderElection a = election("a", channel(aLink));
    await().atMost(PATIENCE).until(a::mayCommand);
    long aToken = a.revision();
    EtcdLeaderElection b = election("b", channel(new CuttableLink()));
    await().atMost(PATIENCE).until(() -> b.leader().isPresent());

    await().atMost(PATIENCE).until(() -> !aLink.open.isEmpty()); // its renewals flow on the keep-alive stream
    aLink.cut();
    await().atMost(PATIENCE).until(b::mayCommand);
    assertThat(a.mayCommand()).isFalse();
    assertThat(otherCommandedAtElection.get("b")).as("a could still command when b was elected").isFalse();
    // Commanding ends by a's own clock (mayCommand); the notice of it comes from a's timer, which a busy
    // machine can run after b's election.
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(changes.get("a")).last()
        .isEqualTo(new Change(Role.STANDBY, StepDown.DEADLINE_PASSED, aToken)));
  }

  @Test
  void aLeaderWhoseKeyIsDeletedByHandStepsDownAtItsNextRenewal() {
    EtcdLeaderElection a = election("a", channel(new CuttableLink()));
    await().atMost(PATIENCE).until(a::mayCommand);
    long aToken = a.revision();
    EtcdLeaderElection b = election("b", channel(new CuttableLink()));
    await().atMost(PATIENCE).until(() -> b.leader().isPresent());

    new EtcdKv(channel(new CuttableLink()), nanos -> { }).deleteRange(
        DeleteRangeRequest.newBuilder().setKey(leaderKey).build(), CALL); // its lease lives on
    // b may be elected before a's next renewal: only the epochs' fencing keeps them apart meanwhile.
    await().atMost(PATIENCE).until(() -> b.mayCommand() && !a.mayCommand());
    assertThat(changes.get("a")).last().isEqualTo(new Change(Role.STANDBY, StepDown.LEASE_LOST, aToken));
  }

  @Test
  void aDeposedLeadersEpochIsRefusedAndTheNewLeaderStartsAboveEveryRecordedEpoch() {
    EtcdLeaderElection a = election("a", channel(new CuttableLink()));
    await().atMost(PATIENCE).until(a::mayCommand);
    long aToken = a.revision();
    AtomicBoolean aFenced = new AtomicBoolean();
    EtcdEpochLedger aLedger = read(new EtcdEpochLedger(channel(new CuttableLink()), epochKey, leaderKey, CLOCK,
        revision -> aFenced.set(true), CALL));
    assertThat(aLedger.highest()).as("no epoch recorded yet: above the clock").isEqualTo(CLOCK.millis());
    aLedger.record(FIRST + 5, aToken);

    EtcdLeaderElection b = election("b", channel(new CuttableLink()));
    await().atMost(PATIENCE).until(() -> b.leader().isPresent());
    changes.clear();
    opened.remove(a);
    assertThat(a.mayCommand()).isTrue();
    closeQuietly(a);
    await().atMost(PATIENCE).until(b::mayCommand);

    EtcdEpochLedger bLedger = read(new EtcdEpochLedger(channel(new CuttableLink()), epochKey, leaderKey, LATER_CLOCK,
        b::fenced, CALL));
    assertThat(bLedger.highest()).as("the recorded epoch counts, whatever b's clock says").isEqualTo(FIRST + 5);
    // A ledger that read before another write (a refresh that failed, say) cannot record below it.
    EtcdEpochLedger stale = read(new EtcdEpochLedger(channel(new CuttableLink()), epochKey, leaderKey, CLOCK,
        b::fenced, CALL));
    bLedger.record(FIRST + 6, b.revision());
    assertThatThrownBy(() -> stale.record(FIRST + 6, b.revision())).isInstanceOf(EpochNotRecordedException.class)
        .hasMessageContaining("another recorded an epoch since");
    assertThat(b.mayCommand()).as("b still holds the leader key: not fenced").isTrue();
    assertThat(stale.highest()).as("read again").isEqualTo(FIRST + 6);
    b.fenced(aToken);
    assertThat(b.mayCommand()).as("a refusal under a's leadership, over, deposes nobody").isTrue();
    // a, frozen between its last check and its write, still holds its old token.
    assertThatThrownBy(() -> aLedger.record(FIRST + 7, aToken)).isInstanceOf(EpochNotRecordedException.class)
        .hasMessageContaining("another leads");
    assertThat(aFenced).isTrue();
    assertThat(read(new EtcdEpochLedger(channel(new CuttableLink()), epochKey, leaderKey, CLOCK, revision -> { },
        CALL)).highest()).isEqualTo(FIRST + 6);
  }

  @Test
  void aLedgerCallsEtcdOnlyWhenReadSoAManagementLayerStartsWhileEtcdDoesNotAnswer() {
    CuttableLink link = new CuttableLink();
    link.cut();
    EtcdEpochLedger ledger = new EtcdEpochLedger(channel(link), epochKey, leaderKey, CLOCK, revision -> { }, CALL);
    assertThat(ledger.highest()).as("nothing read yet").isZero();
    assertThatThrownBy(ledger::refresh).isInstanceOf(EpochNotRecordedException.class)
        .hasMessageContaining("could not be read");

    link.heal();
    ledger.refresh();
    assertThat(ledger.highest()).as("no epoch recorded yet: above the clock").isEqualTo(FIRST);
  }

  @Test
  void anEpochKeyThatHoldsNoEpochIsReportedNamingTheKeyAndWhatItHolds() {
    EtcdKv kv = new EtcdKv(channel(new CuttableLink()), nanos -> { });
    EtcdEpochLedger ledger = new EtcdEpochLedger(channel(new CuttableLink()), epochKey, leaderKey, CLOCK,
        revision -> { }, CALL);
    kv.put(PutRequest.newBuilder().setKey(epochKey).setValue(ByteString.copyFromUtf8("twelve")).build(), CALL);
    assertThatThrownBy(ledger::refresh).isInstanceOf(CorruptLedgerException.class)
        .hasMessageContaining("the epoch key " + prefix + "epoch holds \"twelve\", not an epoch");

    kv.put(PutRequest.newBuilder().setKey(epochKey).setValue(ByteString.copyFromUtf8("-5")).build(), CALL);
    assertThatThrownBy(ledger::refresh).isInstanceOf(CorruptLedgerException.class)
        .hasMessageContaining("negative epoch (-5)");
  }

  /** A ledger as a leader has it once elected: read. */
  private static EtcdEpochLedger read(EtcdEpochLedger ledger) {
    ledger.refresh();
    return ledger;
  }

  @Test
  void aLeaseInMillisecondsIsAskedOfEtcdInWholeSecondsRoundedUpNeverShorter() {
    assertThat(EtcdLeaderElection.ttlSeconds(Duration.ofMillis(2500))).isEqualTo(3);
    assertThat(EtcdLeaderElection.ttlSeconds(Duration.ofSeconds(6))).isEqualTo(6);
  }

  private static void closeQuietly(EtcdLeaderElection election) {
    try {
      election.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
