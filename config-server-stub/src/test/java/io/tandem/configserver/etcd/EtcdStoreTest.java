package io.tandem.configserver.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.PutRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.tandem.common.config.ConfigReplicas;
import io.tandem.common.grpc.Channels;
import io.tandem.common.config.ConfigSession;
import io.tandem.config.v1.HistoryLogExpired;
import io.tandem.configserver.api.ConfigServiceImpl;
import io.tandem.configserver.watch.WatchHub;
import io.tandem.protocol.link.HostPort;
import java.util.concurrent.ScheduledExecutorService;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.tandem.common.bootstrap.FatalStop;
import io.tandem.common.config.Applications;
import io.tandem.common.security.TransportSecurity;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import io.tandem.configserver.Objects;
import io.tandem.configserver.settings.ConfigServerSettings;
import io.tandem.etcd.EtcdChannels;
import io.tandem.etcd.EtcdKv;
import io.tandem.etcd.EtcdSettings;
import io.tandem.configserver.store.ConfigStore;
import io.tandem.configserver.store.StoreLock;
import io.tandem.configserver.store.WriteRefusedException;
import io.tandem.protocol.log.LogCapture;
import io.tandem.testing.EtcdCluster;
import io.tandem.testing.SharedEtcdCluster;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Several stores over one real three-member etcd cluster: one configuration, one sequence of event ids. */
class EtcdStoreTest {
  private static final Duration PATIENCE = Duration.ofMinutes(1);
  private static final AtomicInteger PREFIXES = new AtomicInteger();

  @RegisterExtension
  static final SharedEtcdCluster ETCD = new SharedEtcdCluster(3);
  @TempDir
  Path dir;

  private final List<ConfigStore> started = new ArrayList<>();
  private final List<Runnable> servers = new ArrayList<>();
  private final Map<ConfigStore, EtcdLog> logs = new HashMap<>();
  private final Map<ConfigStore, FatalStop> stops = new HashMap<>();
  private final String prefix = "/store-" + PREFIXES.incrementAndGet() + "/";

  @AfterEach
  void stopStores() throws Exception {
    servers.forEach(Runnable::run);
    for (ConfigStore store : started) {
      store.stop();
    }
  }

  private ConfigStore store(long checkpointAfter, Duration timeout) throws IOException {
    return store(checkpointAfter, timeout, UnaryOperator.identity());
  }

  /** A store whose calls to etcd go through {@code calls}. */
  private ConfigStore store(long checkpointAfter, Duration timeout, UnaryOperator<Channel> calls) throws IOException {
    ConfigServerSettings settings = new ConfigServerSettings(dir.resolve("unused"), null, false, "confserv", false,
        checkpointAfter, new EtcdSettings(ETCD.cluster().endpoints(), prefix, timeout));
    StoreLock lock = new StoreLock();
    FatalStop stop = new FatalStop("config-server");
    EtcdLog log = new EtcdLog(settings, TransportSecurity.plaintext(), stop, lock, calls);
    ConfigStore store = new ConfigStore(settings, Clock.systemUTC(), lock, log);
    store.start();
    started.add(store);
    logs.put(store, log);
    stops.put(store, stop);
    return store;
  }

  private ConfigStore store() throws IOException {
    return store(ConfigServerSettings.DEFAULT_CHECKPOINT_AFTER, EtcdSettings.DEFAULT_TIMEOUT);
  }

  private static void awaitSame(ConfigStore a, ConfigStore b) {
    await().atMost(PATIENCE).until(() -> a.head() == b.head());
    assertThat(b.list(Set.of()).objects()).isEqualTo(a.list(Set.of()).objects());
  }

  @Test
  void aChangeWrittenThroughOneStoreIsServedByAnotherUnderTheSameEventId() throws Exception {
    ConfigStore a = store();
    ConfigStore b = store();
    ConfigStore.Written created = a.create(Objects.agent("ann"));
    await().atMost(PATIENCE).until(() -> b.get(ObjectType.AGENT, "ann").isPresent());
    assertThat(b.head()).isEqualTo(created.eventId());
    ConfigStore.Written updated = b.update(Objects.agent("ann").toBuilder()
        .setAgent(Objects.agent("ann").getAgent().toBuilder().setFirstName("Anna")).build(), 1);
    assertThat(updated.eventId()).isEqualTo(created.eventId() + 1);
    await().atMost(PATIENCE).until(() -> a.head() == updated.eventId());
    assertThat(a.get(ObjectType.AGENT, "ann").orElseThrow().getAgent().getFirstName()).isEqualTo("Anna");
    assertThat(a.history().events().stream().map(ChangeEvent::getEventId).toList())
        .isEqualTo(b.history().events().stream().map(ChangeEvent::getEventId).toList());
  }

  /**
   * etcd restored from an older backup under a running Config Server: its next write took the
   * head behind memory for another's, retried at once for good (about 300 transactions a second)
   * while it held the store's lock, and every read waited on it.
   */
  @Test
  void aWriteAfterTheLogsHeadWentBackIsRefusedAndTheConfigServerStops() throws Exception {
    ConfigStore a = store();
    for (String name : List.of("a1", "a2", "a3")) {
      a.create(Objects.agent(name));
    }
    long held = a.head();
    ManagedChannel channel = EtcdChannels.open(ETCD.cluster().endpoints(), InsecureChannelCredentials.create());
    try {
      EtcdKv kv = new EtcdKv(channel, n -> { });
      EtcdKeys keys = new EtcdKeys(prefix);
      kv.put(PutRequest.newBuilder().setKey(keys.head()).setValue(ByteString.copyFromUtf8("1")).build(), PATIENCE);
      kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(keys.log(2)).setRangeEnd(keys.logEnd()).build(), PATIENCE);
    } finally {
      Channels.close(channel, Duration.ofSeconds(5));
    }
    // Bounded: the write used to retry for good.
    assertThatThrownBy(() -> assertTimeoutPreemptively(PATIENCE, () -> a.create(Objects.agent("after"))))
        .isInstanceOf(WriteRefusedException.class)
        .hasMessageContaining("etcd's log head is event 1, behind the event " + held + " this Config Server holds");
    assertThat(stops.get(a).reason()).hasValueSatisfying(why -> assertThat(why).contains("restored from an older backup"));
  }

  @Test
  void writersOnTwoStoresAtOnceGetGapFreeIdsAndLoseNothing() throws Exception {
    ConfigStore a = store();
    ConfigStore b = store();
    Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
    ExecutorService writers = Executors.newFixedThreadPool(4);
    List<Future<?>> done = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      ConfigStore through = w % 2 == 0 ? a : b;
      int writer = w;
      done.add(writers.submit(() -> {
        for (int i = 0; i < 25; i++) {
          assertThat(acknowledged.add(through.create(Objects.agent("w" + writer + "-" + i)).eventId()))
              .as("an event id acknowledged twice").isTrue();
        }
        return null;
      }));
    }
    for (Future<?> writer : done) {
      writer.get();
    }
    writers.shutdown();
    assertThat(acknowledged).hasSize(100);
    assertThat(Collections.max(acknowledged) - Collections.min(acknowledged)).as("no gap").isEqualTo(99);
    awaitSame(a, b);
    assertThat(a.list(Set.of(ObjectType.AGENT)).objects()).hasSize(100);
  }

  @Test
  void twoUpdatesOfOneVersionThroughTwoStoresCannotBothSucceed() throws Exception {
    ConfigStore a = store();
    ConfigStore b = store();
    a.create(Objects.agent("bob"));
    await().atMost(PATIENCE).until(() -> b.get(ObjectType.AGENT, "bob").isPresent());
    ConfigObject viaA = Objects.agent("bob").toBuilder().setAgent(Objects.agent("bob").getAgent().toBuilder()
        .setFirstName("A")).build();
    ConfigObject viaB = Objects.agent("bob").toBuilder().setAgent(Objects.agent("bob").getAgent().toBuilder()
        .setFirstName("B")).build();
    ExecutorService both = Executors.newFixedThreadPool(2);
    Future<Boolean> first = both.submit(() -> succeeded(() -> a.update(viaA, 1)));
    Future<Boolean> second = both.submit(() -> succeeded(() -> b.update(viaB, 1)));
    int successes = (first.get() ? 1 : 0) + (second.get() ? 1 : 0);
    both.shutdown();
    assertThat(successes).isEqualTo(1);
    awaitSame(a, b);
    assertThat(a.get(ObjectType.AGENT, "bob").orElseThrow().getVersion()).isEqualTo(2);
  }

  private static boolean succeeded(Runnable write) {
    try {
      write.run();
      return true;
    } catch (WriteRefusedException e) {
      assertThat(e.reason()).isEqualTo(WriteRefusedException.Reason.STALE_VERSION);
      return false;
    }
  }

  @Test
  void aStoreStartedAfterCheckpointsHoldsTheSameObjectsAndHistory() throws Exception {
    ConfigStore a = store(10, EtcdSettings.DEFAULT_TIMEOUT);
    a.create(Applications.of("confserv", ApplicationType.CONFIG_SERVER).port(2020).build());
    a.setOption("confserv", "history-log", "max-records", "5", false); // a checkpoint then stays small
    a.create(Objects.agent("c"));
    try (LogCapture log = new LogCapture(EtcdCheckpoints.class.getName())) {
      for (int i = 1; i <= 60; i++) {
        a.update(Objects.agent("c").toBuilder().setAgent(Objects.agent("c").getAgent().toBuilder()
            .setFirstName("n" + i)).build(), i);
      }
      await().atMost(PATIENCE).until(() -> !log.withId("21-20037").isEmpty());
    }
    ConfigStore late;
    try (LogCapture log = new LogCapture(EtcdLog.class)) {
      late = store(10, EtcdSettings.DEFAULT_TIMEOUT);
      assertThat(log.withId("21-20030")).singleElement().asString().doesNotContain("checkpoint_head=0,");
    }
    awaitSame(a, late);
    assertThat(late.head()).isEqualTo(63);
    assertThat(late.history().events()).isEqualTo(a.history().events());
  }

  @Test
  void aLargeApplyIsCommittedWholeAndServedWholeByTheOtherStore() throws Exception {
    ConfigStore a = store();
    ConfigStore b = store();
    List<ConfigObject> agents = new ArrayList<>();
    for (int i = 0; i < 40_000; i++) {
      agents.add(Objects.agent(String.format("agent-%06d-%s", i, "x".repeat(60))));
    }
    long bytes = agents.stream().mapToLong(ConfigObject::getSerializedSize).sum();
    assertThat(bytes).as("more than etcd takes by default").isGreaterThan(3L * 1024 * 1024);
    ConfigStore.Applied applied = a.apply(agents);
    assertThat(applied.created()).isEqualTo(40_000);
    await().atMost(PATIENCE).until(() -> b.head() >= applied.headEventId());
    assertThat(b.list(Set.of(ObjectType.AGENT)).objects()).hasSize(40_000);
  }

  @Test
  void writesAreRefusedWithoutQuorumAndAcceptedAgainOnceItIsBack() throws Exception {
    ConfigStore a = store(ConfigServerSettings.DEFAULT_CHECKPOINT_AFTER, Duration.ofSeconds(2));
    a.create(Objects.agent("before"));
    List<EtcdCluster.Member> stopped = ETCD.cluster().members().subList(1, 3);
    for (EtcdCluster.Member member : stopped) {
      ETCD.cluster().kill(member);
    }
    try {
      assertThatThrownBy(() -> a.create(Objects.agent("without-quorum")))
          .isInstanceOfSatisfying(WriteRefusedException.class, e -> {
            assertThat(e.reason()).isEqualTo(WriteRefusedException.Reason.NOT_DURABLE);
            assertThat(e.getMessage()).contains("etcd at " + ETCD.cluster().endpoints());
          });
      assertThat(a.get(ObjectType.AGENT, "before")).as("reads go on").isPresent();
    } finally {
      for (EtcdCluster.Member member : stopped) {
        ETCD.cluster().restart(member);
      }
    }
    ETCD.cluster().awaitLeader(PATIENCE);
    await().atMost(PATIENCE).ignoreExceptionsInstanceOf(WriteRefusedException.class)
        .until(() -> a.create(Objects.agent("after")).eventId() > 0);
    ConfigStore b = store();
    awaitSame(a, b);
    assertThat(b.list(Set.of(ObjectType.AGENT)).objects().stream().map(ConfigObject::getName)
        .collect(Collectors.toSet())).contains("before", "after");
  }

  @Test
  void theLeadersDeathPausesWritesAndLosesNothingAcknowledged() throws Exception {
    ConfigStore a = store();
    List<String> acknowledged = Collections.synchronizedList(new ArrayList<>());
    List<String> refusals = Collections.synchronizedList(new ArrayList<>());
    ExecutorService writer = Executors.newSingleThreadExecutor();
    AtomicInteger next = new AtomicInteger();
    Future<?> writing = writer.submit(() -> {
      while (!Thread.currentThread().isInterrupted() && next.get() < 400) {
        String name = "l" + next.getAndIncrement();
        try {
          a.create(Objects.agent(name));
          acknowledged.add(name);
        } catch (WriteRefusedException refused) {
          refusals.add(refused.getMessage()); // while etcd elects: not acknowledged, so not expected below
        }
      }
      return null;
    });
    await().atMost(PATIENCE).until(() -> acknowledged.size() >= 50);
    EtcdCluster.Member leader = ETCD.cluster().awaitLeader(PATIENCE);
    ETCD.cluster().kill(leader);
    int atKill = acknowledged.size();
    try {
      await().atMost(PATIENCE).until(() -> acknowledged.size() >= atKill + 50 || refusals.size() > 20);
      assertThat(acknowledged.size()).as("writes resume; refused: %s", refusals).isGreaterThanOrEqualTo(atKill + 50);
    } finally {
      ETCD.cluster().restart(leader);
    }
    writing.get();
    writer.shutdown();
    ConfigStore b = store();
    awaitSame(a, b);
    Set<String> stored = b.list(Set.of(ObjectType.AGENT)).objects().stream().map(ConfigObject::getName)
        .collect(Collectors.toSet());
    assertThat(stored).containsAll(acknowledged);
  }

  /** The next {@code lose} transactions reach etcd, but their answers never come back. */
  private static ClientInterceptor losing(AtomicInteger lose) {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        boolean lost = method.getFullMethodName().endsWith("/Txn") && lose.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            super.start(!lost ? listener : new ForwardingClientCallListener.SimpleForwardingClientCallListener<R>(listener) {
              @Override
              public void onMessage(R message) {
                // etcd answered; the answer never reaches the caller
              }

              @Override
              public void onClose(Status status, Metadata trailers) {
                super.onClose(Status.UNAVAILABLE.withDescription("the answer was lost"), new Metadata());
              }
            }, headers);
          }
        };
      }
    };
  }

  @Test
  void aWriteCommittedWhoseAnswerWasLostIsAcknowledgedOnceEvenWhenTheFollowerAppliedItFirst() throws Exception {
    AtomicInteger lose = new AtomicInteger();
    ConfigStore a = store(ConfigServerSettings.DEFAULT_CHECKPOINT_AFTER, EtcdSettings.DEFAULT_TIMEOUT,
        channel -> ClientInterceptors.intercept(channel, losing(lose)));
    a.create(Objects.agent("first"));
    lose.set(3); // 3 lost answers, 3 pauses of 100 ms: the follower sees log/2 meanwhile
    ConfigStore.Written written = a.create(Objects.agent("answer-lost"));
    assertThat(written.eventId()).isEqualTo(2);
    assertThat(a.create(Objects.agent("after")).eventId()).isEqualTo(3);
    assertThat(a.history().events().stream().map(ChangeEvent::getEventId).toList()).containsExactly(1L, 2L, 3L);
  }

  /** While held, the answers of the log's watch wait; {@link #release} delivers them in order. */
  private static final class HeldWatch implements ClientInterceptor {
    private final List<Runnable> waiting = new ArrayList<>();
    private boolean held = true;

    synchronized void release() {
      held = false;
      waiting.forEach(Runnable::run);
      waiting.clear();
    }

    private synchronized void deliver(Runnable answer) {
      if (held) {
        waiting.add(answer);
      } else {
        answer.run();
      }
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      if (!method.getFullMethodName().endsWith("/Watch")) {
        return next.newCall(method, options);
      }
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<R>(listener) {
            @Override
            public void onMessage(R message) {
              deliver(() -> super.onMessage(message));
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
              deliver(() -> super.onClose(status, trailers));
            }
          }, headers);
        }
      };
    }
  }

  /** {@code store}'s Config service on an in-process server; the channel to it. */
  private ConfigReplicas.Replica serve(String name, ConfigStore store) throws IOException {
    WatchHub hub = new WatchHub(store, Clock.systemUTC());
    hub.start();
    Server server = InProcessServerBuilder.forName(prefix + name).directExecutor()
        .addService(new ConfigServiceImpl(store, hub)).build().start();
    servers.add(() -> {
      hub.stop();
      server.shutdownNow();
    });
    ManagedChannel channel = InProcessChannelBuilder.forName(prefix + name).directExecutor().build();
    return new ConfigReplicas.Replica(new HostPort(name, 1), new ConfigSession(channel, "stat-server"), channel);
  }

  @Test
  void aSessionResumedOnAConfigServerBehindTheLogMovesOnInsteadOfBeingToldToReload() throws Exception {
    ConfigStore ahead = store();
    HeldWatch held = new HeldWatch();
    ConfigStore behind = store(ConfigServerSettings.DEFAULT_CHECKPOINT_AFTER, EtcdSettings.DEFAULT_TIMEOUT,
        channel -> ClientInterceptors.intercept(channel, held));
    for (int i = 0; i < 3; i++) {
      ahead.create(Objects.agent("agent" + i));
    }
    assertThat(behind.head()).isZero();
    assertThat(logs.get(behind).headForLag()).as("the lag gauge's view of the log").isEqualTo(3);
    List<Object> told = Collections.synchronizedList(new ArrayList<>());
    ConfigSession.WatchListener listener = new ConfigSession.WatchListener() {
      @Override
      public void onChanges(List<ChangeEvent> events, boolean replay) {
        told.addAll(events);
      }

      @Override
      public void onProgress(long headEventId) {
        told.add("progress " + headEventId);
      }

      @Override
      public void onExpired(HistoryLogExpired expired) {
        told.add(expired);
      }

      @Override
      public void onBroken(Status status) {
        told.add(status.getCode());
      }
    };
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try (ConfigReplicas replicas = new ConfigReplicas(List.of(serve("behind", behind), serve("ahead", ahead)), "stat-server")) {
      replicas.watch(3, listener, timer);
      await().atMost(PATIENCE).until(() -> !told.isEmpty());
      assertThat(told).containsExactly(Status.Code.UNAVAILABLE);
      assertThat(replicas.current()).isEqualTo(new HostPort("ahead", 1));

      replicas.watch(3, listener, timer);
      await().atMost(PATIENCE).until(() -> told.size() == 2);
      assertThat(told).containsExactly(Status.Code.UNAVAILABLE, "progress 3");

      held.release();
      await().atMost(PATIENCE).until(() -> behind.head() == 3);
      ahead.create(Objects.agent("agent3"));
      await().atMost(PATIENCE).until(() -> told.size() == 3);
      assertThat(told.get(2)).isInstanceOf(ChangeEvent.class);
      assertThat(told).noneMatch(HistoryLogExpired.class::isInstance);
    } finally {
      timer.shutdownNow();
    }
  }
}
