package io.tandem.statserver.api;

import static io.tandem.statserver.stats.ConfigObjects.agent;
import static io.tandem.statserver.stats.ConfigObjects.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.StreamRecorder;
import io.tandem.common.bootstrap.HealthState;
import io.tandem.common.grpc.MessageLimits;
import io.tandem.common.testing.InProcessGrpc;
import io.tandem.config.v1.ObjectType;
import io.tandem.stat.v1.CenterEvent;
import io.tandem.stat.v1.CloseStatisticRequest;
import io.tandem.stat.v1.EventBatch;
import io.tandem.stat.v1.EventType;
import io.tandem.stat.v1.FeedProgress;
import io.tandem.stat.v1.GetServerInfoRequest;
import io.tandem.stat.v1.GetStatisticRequest;
import io.tandem.stat.v1.OpenStatisticRequest;
import io.tandem.stat.v1.ProducerProgress;
import io.tandem.stat.v1.ServerInfo;
import io.tandem.stat.v1.StatObject;
import io.tandem.stat.v1.StatServiceGrpc;
import io.tandem.stat.v1.StatisticSpec;
import io.tandem.stat.v1.StatisticType;
import io.tandem.stat.v1.StatisticValue;
import io.tandem.statserver.stats.FeedCounters;
import io.tandem.statserver.stats.StatisticsEngine;
import io.tandem.statserver.stats.TestFeed;
import java.lang.ref.WeakReference;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client port's gRPC layer in process: the status codes and messages a caller gets, the
 * readiness gate, and handlers that never wait — not for the engine thread, not for a writer
 * of the health state. Handlers run on the calling thread here (direct executors), as they run on
 * the event loop in the server, so a handler that waited would hold up the test's call.
 */
// grpc-testing marks StreamRecorder deprecated but has no replacement: it records a stream for the test to read.
@SuppressWarnings("deprecation")
class StatServiceImplTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final ServerInfo INFO = ServerInfo.newBuilder().setApplication("StatServer_A").build();
  /** The largest message the client port takes. */
  private static final int LARGEST_BATCH_BYTES = MessageLimits.MAX_FEED_BATCH_BYTES;
  /** What the server counts for one received batch of that size, at most: its bytes and 1 KiB of bookkeeping. */
  private static final long LARGEST_BATCH_COST = LARGEST_BATCH_BYTES + 1024;

  private final StatisticsEngine engine = new StatisticsEngine(Clock.systemUTC());
  private final HealthState health = new HealthState();
  private InProcessGrpc grpc;
  private StatServiceGrpc.StatServiceBlockingStub blocking;
  private StatServiceGrpc.StatServiceStub async;

  @BeforeEach
  void start() throws Exception {
    engine.start();
    engine.completeReload(model(agent("ann"))).join();
    health.set(true, "accepting clients as PRIMARY");
    grpc = InProcessGrpc.serve(new StatServiceImpl(engine, () -> INFO, health).gatedDefinition());
    blocking = StatServiceGrpc.newBlockingStub(grpc.channel()).withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    async = StatServiceGrpc.newStub(grpc.channel());
  }

  @AfterEach
  void stop() throws Exception {
    grpc.close();
    engine.stop();
  }

  private static StatObject agentNamed(String name) {
    return StatObject.newBuilder().setType(ObjectType.AGENT).setName(name).build();
  }

  private static GetStatisticRequest get(StatObject object, StatisticType type) {
    return GetStatisticRequest.newBuilder().setSpec(StatisticSpec.newBuilder().setObject(object).setStatistic(type))
        .build();
  }

  private static void refused(Runnable call, Status.Code code, String description) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).isEqualTo(description);
    });
  }

  @Test
  void getStatisticRefusalsNameTheField() {
    assertThat(blocking.getStatistic(get(agentNamed("ann"), StatisticType.CURRENT_AGENT_STATE)).getObject().getName())
        .isEqualTo("ann");
    refused(() -> blocking.getStatistic(GetStatisticRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT,
        "target: give a statistic_id or a spec");
    refused(() -> blocking.getStatistic(get(agentNamed("a\nStd 02-10086"), StatisticType.CURRENT_AGENT_STATE)),
        Status.Code.INVALID_ARGUMENT, "spec.object.name: contains the control character U+000A at position 1");
    refused(() -> blocking.getStatistic(get(agentNamed("zed"), StatisticType.CURRENT_AGENT_STATE)),
        Status.Code.NOT_FOUND, "object: no Agent 'zed' in the configuration");
    refused(() -> blocking.getStatistic(get(agentNamed("ann"), StatisticType.CURRENT_READY_AGENTS)),
        Status.Code.INVALID_ARGUMENT, "statistic: CURRENT_READY_AGENTS does not apply to Agent (AgentGroup only)");
    refused(() -> blocking.getStatistic(GetStatisticRequest.newBuilder().setStatisticId("S-nope").build()),
        Status.Code.NOT_FOUND, "statistic_id: no open statistic 'S-nope' of yours on this server");
  }

  @Test
  void openAndCloseRefusalsNameTheFieldAndAGoodOneOpensThenCloses() throws Exception {
    StreamRecorder<StatisticValue> badName = StreamRecorder.create();
    async.openStatistic(OpenStatisticRequest.newBuilder().setObject(agentNamed("a\u0007")).build(), badName);
    assertThat(badName.awaitCompletion((int) WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(Status.fromThrowable(badName.getError()).getDescription())
        .isEqualTo("object.name: contains the control character U+0007 at position 1");

    StreamRecorder<StatisticValue> unknown = StreamRecorder.create();
    async.openStatistic(OpenStatisticRequest.newBuilder().setObject(agentNamed("zed"))
        .setStatistic(StatisticType.CURRENT_AGENT_STATE).build(), unknown);
    assertThat(unknown.awaitCompletion((int) WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(Status.fromThrowable(unknown.getError()).getCode()).isEqualTo(Status.Code.NOT_FOUND);

    refused(() -> blocking.closeStatistic(CloseStatisticRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT,
        "statistic_id: must not be empty");
    refused(() -> blocking.closeStatistic(CloseStatisticRequest.newBuilder().setStatisticId("S-nope").build()),
        Status.Code.NOT_FOUND, "statistic_id: no open statistic 'S-nope' of yours on this server");

    StreamRecorder<StatisticValue> open = StreamRecorder.create();
    async.openStatistic(OpenStatisticRequest.newBuilder().setObject(agentNamed("ann"))
        .setStatistic(StatisticType.CURRENT_AGENT_STATE).build(), open);
    await().atMost(WAIT).until(() -> !open.getValues().isEmpty());
    String id = open.getValues().get(0).getStatisticId();
    blocking.closeStatistic(CloseStatisticRequest.newBuilder().setStatisticId(id).build());
    assertThat(open.awaitCompletion((int) WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(open.getError()).isNull();
    assertThat(open.getValues()).last().satisfies(v -> assertThat(v.getClosedReason()).isEqualTo("closed by client"));
    assertThat(open.getValues()).extracting(StatisticValue::getSequence).containsExactly(1L, 2L);
  }

  @Test
  void aFeedIsAcknowledgedAndABadProducerIdIsRefusedByName() throws Exception {
    StreamRecorder<FeedProgress> good = StreamRecorder.create();
    StreamObserver<EventBatch> feed = async.feed(good);
    feed.onNext(EventBatch.newBuilder().setProducerId("p").setSequence(1)
        .addEvents(CenterEvent.newBuilder().setType(EventType.AGENT_LOGIN).setAgent("ann"))
        .addEvents(CenterEvent.newBuilder().setType(EventType.AGENT_LOGIN).setAgent("zed")).build());
    feed.onCompleted();
    assertThat(good.awaitCompletion((int) WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    FeedProgress last = good.getValues().get(good.getValues().size() - 1);
    assertThat(last.getFinal()).isTrue();
    assertThat(last.getAppliedThrough()).isEqualTo(1);
    assertThat(last.getAccepted()).isEqualTo(1);
    assertThat(last.getUnknownObject()).isEqualTo(1);

    StreamRecorder<FeedProgress> bad = StreamRecorder.create();
    async.feed(bad).onNext(EventBatch.newBuilder().setProducerId("p\r").setSequence(1).build());
    assertThat(bad.awaitCompletion((int) WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(Status.fromThrowable(bad.getError()).getDescription())
        .isEqualTo("producer_id: contains the control character U+000D at position 1");
  }

  private static EventBatch loginBatch(String producer, long sequence, String... agents) {
    EventBatch.Builder batch = EventBatch.newBuilder().setProducerId(producer).setSequence(sequence);
    for (String agent : agents) {
      batch.addEvents(CenterEvent.newBuilder().setType(EventType.AGENT_LOGIN).setAgent(agent));
    }
    return batch.build();
  }

  @Test
  void aFeedRefusedDuringAReloadDoesNotDropOtherProducersHeldBatches() throws Exception {
    engine.beginReload().join();
    StreamRecorder<FeedProgress> pProgress = StreamRecorder.create();
    StreamRecorder<FeedProgress> qProgress = StreamRecorder.create();
    StreamRecorder<FeedProgress> refusedProgress = StreamRecorder.create();
    StreamObserver<EventBatch> p = async.feed(pProgress);
    StreamObserver<EventBatch> q = async.feed(qProgress);
    StreamObserver<EventBatch> refused = async.feed(refusedProgress);

    // Handlers run on this thread (direct executors): the batches reach the engine in this order.
    p.onNext(loginBatch("p", 1, "ann"));
    q.onNext(loginBatch("q", 1, "ann", "ann"));
    refused.onNext(loginBatch("x", 1, "ann"));
    p.onNext(loginBatch("p", 2, "ann"));
    refused.onNext(loginBatch("x\r", 2, "ann"));
    q.onNext(loginBatch("q", 2, "ann"));
    p.onNext(loginBatch("p", 3, "ann", "ann", "ann"));
    q.onNext(loginBatch("q", 3, "ann"));

    CompletableFuture<Void> swapped = engine.completeReload(model(agent("ann")));
    await().atMost(WAIT).until(swapped::isDone);

    p.onNext(loginBatch("p", 4, "ann"));
    p.onCompleted();
    q.onCompleted();
    assertThat(pProgress.awaitCompletion((int) WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(qProgress.awaitCompletion((int) WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(refusedProgress.awaitCompletion((int) WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

    assertThat(engine.producers().mostRecent()).as("every batch of the other producers applied, each once").containsExactly(
        ProducerProgress.newBuilder().setProducerId("p").setAppliedThrough(4).setEvents(6).build(),
        ProducerProgress.newBuilder().setProducerId("q").setAppliedThrough(3).setEvents(4).build(),
        ProducerProgress.newBuilder().setProducerId("x").setAppliedThrough(1).setEvents(1).build());
    assertThat(pProgress.getValues()).extracting(FeedProgress::getAppliedThrough).containsExactly(1L, 2L, 3L, 4L, 4L);
    assertThat(qProgress.getValues()).extracting(FeedProgress::getAppliedThrough).containsExactly(1L, 2L, 3L, 3L);
    assertThat(refusedProgress.getValues()).as("its first batch was applied before the refusal: it is told so")
        .extracting(FeedProgress::getAppliedThrough).containsExactly(1L);
    assertThat(Status.fromThrowable(refusedProgress.getError()).getDescription())
        .isEqualTo("producer_id: contains the control character U+000D at position 1");
    assertThat(swapped).as("the new model is in use: the reload is not reported failed").succeedsWithin(WAIT);
  }

  /** One producer's Feed stream, sending its batches whenever the server asks for one. */
  private final class Producer {
    final int batchCount;
    /** Its batch of a sequence, made when it is sent. */
    final LongFunction<EventBatch> batches;
    final StreamRecorder<FeedProgress> progress = StreamRecorder.create();
    final ClientCallStreamObserver<EventBatch> stream;
    int sent;

    Producer(String id, int batchCount, int eventsPerBatch) {
      this(batchCount, sequence -> {
        String[] agents = new String[eventsPerBatch];
        Arrays.fill(agents, "ann");
        return loginBatch(id, sequence, agents);
      });
    }

    Producer(int batchCount, LongFunction<EventBatch> batches) {
      this.batchCount = batchCount;
      this.batches = batches;
      stream = (ClientCallStreamObserver<EventBatch>) async.feed(progress);
    }

    /** Sends while the server asks for more; true once every batch is sent. */
    boolean sendWhileAsked() {
      while (sent < batchCount && stream.isReady()) {
        stream.onNext(batches.apply(++sent));
      }
      return sent == batchCount;
    }
  }

  @Test
  void manyFeedStreamsDuringAReloadShareOneBudgetAndLoseNothing() throws Exception {
    int streams = 40;
    int batchesEach = 30;
    int eventsEach = 1000;
    long budget = 8 * 1024 * 1024;
    engine.setReloadFeedBuffer(budget);
    engine.beginReload().join();
    List<Producer> producers = new ArrayList<>();
    for (int i = 0; i < streams; i++) {
      producers.add(new Producer("p" + i, batchesEach, eventsEach));
    }
    long batchBytes = producers.get(0).batches.apply(1).getSerializedSize();

    // The server asks on the handlers' thread (this one) while its budget admits more: what
    // each producer could send has been sent when this returns.
    producers.forEach(Producer::sendWhileAsked);
    int sentDuringTheReload = producers.stream().mapToInt(p -> p.sent).sum();
    assertThat(engine.heldBytes()).as("batches taken while the reload holds them (%d of %d bytes each): within "
        + "the server's one budget of %d bytes", sentDuringTheReload, batchBytes, budget).isLessThanOrEqualTo(budget);
    assertThat(producers).as("every producer had its turn, and is held back, none refused")
        .allSatisfy(p -> assertThat(p.sent).isGreaterThan(0).isLessThan(batchesEach));

    engine.completeReload(model(agent("ann"))).join();
    await("everything sent once the reload is over").atMost(WAIT).pollInterval(Duration.ofMillis(5))
        .until(() -> producers.stream().map(Producer::sendWhileAsked).reduce(true, Boolean::logicalAnd));
    producers.forEach(p -> p.stream.onCompleted());
    for (Producer p : producers) {
      assertThat(p.progress.awaitCompletion((int) WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(p.progress.getError()).isNull();
    }
    assertThat(engine.producers().mostRecent()).as("every batch applied once").hasSize(streams).allSatisfy(p -> {
      assertThat(p.getAppliedThrough()).isEqualTo(batchesEach);
      assertThat(p.getEvents()).isEqualTo((long) batchesEach * eventsEach);
    });
    assertThat(engine.heldBytes()).isZero();
  }

  /**
   * The largest batch the client port takes, of the smallest events (empty ones, 2 bytes each on
   * the wire): the most a batch can cost once received.
   */
  private static LongFunction<EventBatch> largestBatches(String producer) {
    EventBatch.Builder events = EventBatch.newBuilder();
    int count = (LARGEST_BATCH_BYTES - 32) / 2;
    for (int i = 0; i < count; i++) {
      events.addEvents(CenterEvent.getDefaultInstance());
    }
    EventBatch template = events.build();
    return sequence -> template.toBuilder().setProducerId(producer).setSequence(sequence).build();
  }

  @Test
  void manyStreamsOfTheLargestBatchesDuringAReloadStayWithinTheBudgetAndLoseNothing() throws Exception {
    int streams = 16;
    int batchesEach = 3;
    long budget = 1024 * 1024;
    engine.setReloadFeedBuffer(budget);
    engine.beginReload().join();
    List<Producer> producers = new ArrayList<>();
    for (int i = 0; i < streams; i++) {
      producers.add(new Producer(batchesEach, largestBatches("big" + i)));
    }
    int eventsEach = producers.get(0).batches.apply(1).getEventsCount();
    assertThat(producers.get(0).batches.apply(1).getSerializedSize()).isLessThanOrEqualTo(LARGEST_BATCH_BYTES);
    // Handlers run on this thread: when this returns, the streams sent all the server asked for.
    producers.forEach(Producer::sendWhileAsked);
    long mostHeld = engine.heldBytes();
    assertThat(mostHeld).as("held during the reload: the budget of %d bytes, and at most one largest batch more",
        budget).isLessThanOrEqualTo(budget + LARGEST_BATCH_COST);

    engine.completeReload(model(agent("ann"))).join();
    long[] most = {mostHeld};
    await("everything sent once the reload is over").atMost(WAIT).pollInterval(Duration.ofMillis(1)).until(() -> {
      most[0] = Math.max(most[0], engine.heldBytes());
      return producers.stream().map(Producer::sendWhileAsked).reduce(true, Boolean::logicalAnd);
    });
    producers.forEach(p -> p.stream.onCompleted());
    for (Producer p : producers) {
      assertThat(p.progress.awaitCompletion((int) WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(p.progress.getError()).isNull();
    }
    assertThat(most[0]).as("held at any time").isLessThanOrEqualTo(budget + LARGEST_BATCH_COST);
    assertThat(engine.producers().mostRecent()).as("every batch applied once").hasSize(streams).allSatisfy(p -> {
      assertThat(p.getAppliedThrough()).isEqualTo(batchesEach);
      assertThat(p.getEvents()).isEqualTo((long) batchesEach * eventsEach);
    });
    assertThat(engine.heldBytes()).isZero();
  }

  @Test
  void feedStreamsCancelledWhileWaitingForRoomAreNotKept() throws Exception {
    List<WeakReference<ServerCall<?, ?>>> waited = new CopyOnWriteArrayList<>();
    ServerInterceptor tracking = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        waited.add(new WeakReference<>(call));
        return next.startCall(call, headers);
      }
    };
    engine.setReloadFeedBuffer(1);
    engine.beginReload().join();
    try (InProcessGrpc tracked = InProcessGrpc.serve(ServerInterceptors.intercept(
        new StatServiceImpl(engine, () -> INFO, health).gatedDefinition(), tracking))) {
      StatServiceGrpc.StatServiceStub stub = StatServiceGrpc.newStub(tracked.channel());
      // One batch held by the reload fills the budget: the streams after it wait for room.
      stub.feed(StreamRecorder.create()).onNext(loginBatch("first", 1, "ann"));
      await().atMost(WAIT).until(() -> engine.heldBytes() > 0);
      waited.clear();
      for (int i = 0; i < 200; i++) {
        ((ClientCallStreamObserver<EventBatch>) stub.feed(StreamRecorder.create())).cancel("producer gone", null);
      }
      assertThat(waited).hasSize(200);
      await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
        System.gc();
        assertThat(waited.stream().filter(call -> call.get() != null).count())
            .as("cancelled streams the server still holds").isZero();
      });
    }
  }

  @Test
  void aProducerThatReadsNoAcknowledgementsIsSentOnlyTheLatestOnceItReads() throws Exception {
    AtomicLong sentWhileNotReady = new AtomicLong();
    ServerInterceptor counting = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void sendMessage(R message) {
            if (!isReady()) {
              sentWhileNotReady.incrementAndGet();
            }
            super.sendMessage(message);
          }
        }, headers);
      }
    };
    int batches = 2_000;
    List<FeedProgress> received = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> ended = new CompletableFuture<>();
    AtomicReference<ClientCallStreamObserver<EventBatch>> requests = new AtomicReference<>();
    try (InProcessGrpc counted = InProcessGrpc.serve(ServerInterceptors.intercept(
        new StatServiceImpl(engine, () -> INFO, health).gatedDefinition(), counting))) {
      StatServiceGrpc.newStub(counted.channel()).feed(new ClientResponseObserver<EventBatch, FeedProgress>() {
        private int next = 1;

        @Override
        public void beforeStart(ClientCallStreamObserver<EventBatch> stream) {
          requests.set(stream);
          stream.disableAutoRequestWithInitial(0); // reads no acknowledgement until the test says so
          stream.setOnReadyHandler(() -> {
            while (next <= batches && stream.isReady()) {
              stream.onNext(loginBatch("lazy", next++, "ann"));
            }
          });
        }

        @Override
        public void onNext(FeedProgress progress) {
          received.add(progress);
        }

        @Override
        public void onError(Throwable t) {
          ended.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
          ended.complete(null);
        }
      });
      await("every batch applied").atMost(WAIT).until(() -> engine.producers().mostRecent().stream()
          .anyMatch(p -> p.getProducerId().equals("lazy") && p.getAppliedThrough() == batches));
      engine.barrier().join();
      assertThat(sentWhileNotReady.get()).as("acknowledgements written while the producer could not take them")
          .isZero();

      requests.get().request(1);
      await().atMost(WAIT).until(() -> !received.isEmpty());
      assertThat(received).as("once it reads: one acknowledgement, the latest").singleElement()
          .satisfies(p -> assertThat(p.getAppliedThrough()).isEqualTo(batches));

      requests.get().onCompleted();
      requests.get().request(10);
      assertThat(ended).succeedsWithin(WAIT);
      assertThat(received).hasSize(2).last().satisfies(p -> {
        assertThat(p.getFinal()).isTrue();
        assertThat(p.getAppliedThrough()).isEqualTo(batches);
        assertThat(p.getAccepted()).isEqualTo(batches);
      });
    }
  }

  @Test
  void whileNotServingClientCallsFailFastWithTheReasonAndTheFeedAndServerInfoPass() throws Exception {
    health.set(false, "reloading configuration");
    String why = "not accepting clients: reloading configuration";
    refused(() -> blocking.getStatistic(get(agentNamed("ann"), StatisticType.CURRENT_AGENT_STATE)),
        Status.Code.UNAVAILABLE, why);
    refused(() -> blocking.closeStatistic(CloseStatisticRequest.newBuilder().setStatisticId("S-1").build()),
        Status.Code.UNAVAILABLE, why);
    StreamRecorder<StatisticValue> open = StreamRecorder.create();
    async.openStatistic(OpenStatisticRequest.newBuilder().setObject(agentNamed("ann")).build(), open);
    assertThat(open.awaitCompletion((int) WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(Status.fromThrowable(open.getError()).getDescription()).isEqualTo(why);

    assertThat(blocking.getServerInfo(GetServerInfoRequest.getDefaultInstance())).isEqualTo(INFO);
    StreamRecorder<FeedProgress> fed = StreamRecorder.create();
    StreamObserver<EventBatch> feed = async.feed(fed);
    feed.onNext(EventBatch.newBuilder().addEvents(CenterEvent.newBuilder().setType(EventType.AGENT_LOGIN)
        .setAgent("ann")).build());
    feed.onCompleted();
    assertThat(fed.awaitCompletion((int) WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(fed.getError()).isNull();
  }

  @Test
  void noHandlerWaitsWhileTheEngineThreadIsBusyAndTheHealthStateIsBeingWritten() throws Exception {
    TestFeed.feed(engine, EventBatch.newBuilder().addEvents(CenterEvent.newBuilder().setType(EventType.AGENT_LOGIN)
        .setAgent("ann")).build(), new FeedCounters());
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch engineHeld = new CountDownLatch(1);
    engine.afterFeed(() -> {
      engineHeld.countDown();
      awaitQuietly(release);
    });
    CountDownLatch healthHeld = new CountDownLatch(1);
    Thread writer = new Thread(() -> {
      synchronized (health) { // as the reload thread holds it while telling every health watcher
        healthHeld.countDown();
        awaitQuietly(release);
      }
    }, "health-writer");
    writer.start();
    StreamRecorder<StatisticValue> opened = StreamRecorder.create();
    try {
      assertThat(engineHeld.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(healthHeld.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

      // On a thread of its own, so that a handler that waits fails the test instead of hanging it.
      CompletableFuture<Void> calls = CompletableFuture.runAsync(() -> {
        assertThat(blocking.getStatistic(get(agentNamed("ann"), StatisticType.CURRENT_AGENT_STATE)).getAgentState()
            .getState().name()).as("read from what the engine last published").isEqualTo("NOT_READY");
        assertThat(blocking.getServerInfo(GetServerInfoRequest.getDefaultInstance())).isEqualTo(INFO);
        async.openStatistic(OpenStatisticRequest.newBuilder().setObject(agentNamed("ann"))
            .setStatistic(StatisticType.CURRENT_AGENT_STATE).build(), opened);
        async.feed(StreamRecorder.create()).onNext(EventBatch.getDefaultInstance());
      });
      calls.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(opened.getValues()).as("its first value waits for the engine thread, the handler does not").isEmpty();
    } finally {
      release.countDown();
      writer.join();
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
