package io.tandem.statserver.stats;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.tandem.common.bootstrap.ManagedService;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.concurrent.ExecutorStop;
import io.tandem.common.concurrent.Scheduled;
import io.tandem.common.config.FeedNames;
import io.tandem.common.config.Names;
import io.tandem.common.config.ObjectTypes;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import io.tandem.common.logging.RateLimitedLog;
import io.tandem.protocol.options.OptionCatalogue;
import io.tandem.common.security.RandomIds;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ObjectType;
import io.tandem.stat.v1.CenterEvent;
import io.tandem.stat.v1.EventBatch;
import io.tandem.stat.v1.GetStatisticRequest;
import io.tandem.stat.v1.OpenStatisticRequest;
import io.tandem.stat.v1.StatObject;
import io.tandem.stat.v1.StatisticSpec;
import io.tandem.stat.v1.StatisticType;
import io.tandem.stat.v1.StatisticValue;
import io.tandem.statserver.model.ConfigModel;
import io.tandem.statserver.model.ModelInUse;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The statistics' thread: contact-center events and configuration in, values of open statistics
 * out. One thread owns all the state, so none of it needs a lock and every statistic sees events
 * in order; the decisions are the pure parts it drives — what events mean ({@link Activity}),
 * which statistic gets which value when ({@link Subscriptions}), whether a request makes sense
 * ({@link StatisticRequests}), how a value is rendered ({@link StatisticValues}), which batches
 * were applied already ({@link ProducerLedger}), what waits for a reload ({@link ReloadHold}).
 *
 * <p>After every change the thread publishes an immutable {@link Reading} of each object it
 * changed; {@link #get} renders from those on the caller's thread with no lock, so a query costs
 * no thread hop and never waits, not even while a reload is swapped in or a slow stream holds
 * the engine thread.
 *
 * <p>Activity is kept by object name and survives configuration reloads; the {@link ConfigModel}
 * says which objects exist and which agents belong to which group. While a reload is being built,
 * events are held and applied after the new model is swapped in — none is dropped. Fed batches
 * wait as received ({@link FeedBatch}) and are parsed when applied, and what they take in memory
 * is bounded across all streams ({@link FeedBudget}): past {@link #setReloadFeedBuffer the budget}
 * streams are not asked for more until applied batches make room, so producers slow down instead
 * of this server's memory growing.
 */
public final class StatisticsEngine implements ManagedService, ModelInUse {
  private static final Logger LOG = LoggerFactory.getLogger(StatisticsEngine.class);
  /** Per-request events, at most RateLimitedLog.BURST per window. */
  private static final RateLimitedLog PER_REQUEST = new RateLimitedLog(LOG);
  private static final long TICK_MS = 100;
  private static final long UNKNOWN_LOG_EVERY_MS = 10_000;
  /** How many names of unknown objects 02-10100 shows. */
  private static final int UNKNOWN_EXAMPLES = 5;

  private final Clock clock;
  private final ScheduledExecutorService thread;
  private volatile ConfigModel model = new ConfigModel();
  /** The published view {@link #get} reads: replaced whole on a reload, one entry at a time otherwise. */
  private volatile Map<StatKey, Reading> readings = new ConcurrentHashMap<>();
  /**
   * The model and the readings {@link #get} checks and renders from, replaced together once a
   * swap has settled: a server that serves through its reload never answers from the new model
   * with readings not yet republished for it.
   */
  private volatile Published published = new Published(model, readings);

  private record Published(ConfigModel model, Map<StatKey, Reading> readings) {}
  private final ReloadHold hold = new ReloadHold();
  private final FeedBudget budget = new FeedBudget(OptionCatalogue.RELOAD_FEED_BUFFER.defaultValue(),
      FeedBatch.LARGEST_COST);
  private final ProducerLedger producers = new ProducerLedger();
  private final Activity activity = new Activity();
  private final Subscriptions subscriptions = new Subscriptions(activity);

  private final AtomicLong eventsApplied = new AtomicLong();
  private final AtomicLong eventsUnknown = new AtomicLong();
  private final AtomicLong eventsIgnored = new AtomicLong();
  private volatile int objectCount;
  /** Events naming an unknown object since the last 02-10100, and a few of their names (never all of them). */
  private long unknownSinceLastLog;
  private final Set<String> unknownExamples = new LinkedHashSet<>();
  private long lastUnknownLogMs;

  @Inject
  public StatisticsEngine(Clock clock) {
    this(clock, Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("statistics")));
  }

  /** On {@code thread}: a single-threaded executor that owns all the engine's state (the simulator's runs on virtual time). */
  public StatisticsEngine(Clock clock, ScheduledExecutorService thread) {
    this.clock = clock;
    this.thread = thread;
  }

  @Override
  public void start() {
    Scheduled.repeat(thread, "engine tick", Duration.ofMillis(TICK_MS), Duration.ofMillis(TICK_MS), this::tick);
  }

  @Override
  public void stop() throws InterruptedException {
    ExecutorStop.stop(thread, "statistics", Duration.ofSeconds(2));
  }

  @Override
  public String name() {
    return "statistics engine";
  }

  // ---- configuration -----------------------------------------------------------------------------

  /**
   * Events from now on are held until {@link #completeReload} or {@link #abortReload}. Completes,
   * on the engine thread and after every configuration change submitted before it, with the
   * model in use: the basis a new model is built beside. The engine changes it no more until
   * the reload ends (the configuration session is closed meanwhile, so no change comes), which is
   * what lets another thread read it while the new model is built.
   */
  @Override
  public CompletableFuture<ConfigModel> beginReload() {
    return CompletableFuture.supplyAsync(() -> {
      hold.begin();
      return model;
    }, thread);
  }

  /**
   * Swaps {@code newModel} in (first load or reload), then applies what was held meanwhile. The
   * future fails only if the swap did not happen: once the new model is in use, the reload has
   * happened, and whatever goes wrong after it (a bug in a statistic, a held batch) is logged and
   * stays with that piece of work.
   */
  @Override
  public CompletableFuture<Void> completeReload(ConfigModel newModel) {
    return CompletableFuture.runAsync(() -> {
      model = newModel;
      objectCount = model.objectCount();
      isolated(this::settleOnNewModel);
      published = new Published(model, readings);
      resume();
    }, thread);
  }

  /** After a swap: activity and readings follow the new model, and statistics of vanished objects end. */
  private void settleOnNewModel() {
    activity.reconcile(model);
    republishAll();
    long now = clock.millis();
    for (StatKey key : subscriptions.objects()) {
      if (!model.contains(key.type(), key.name())) {
        closeObject(key, "deleted from configuration (found missing on reload)", now);
      } else {
        subscriptions.changed(key, now);
      }
    }
  }

  /** The reload did not happen: what was held is applied to the model in use. */
  @Override
  public void abortReload() {
    onEngine(this::resume);
  }

  /** Ends the hold: each piece of held work runs on its own, so one that fails does not stop the others. */
  private void resume() {
    ReloadHold.Released released = hold.release();
    released.work().forEach(StatisticsEngine::isolated);
    if (!released.work().isEmpty()) {
      EventLog.emit(LOG, LogEvent.EVENTS_QUEUED_DURING_RELOAD, "batches", released.work().size(),
          "bytes", released.bytes());
    }
  }

  /**
   * statserver/reload-feed-buffer: what fed batches received and not yet applied (held during a
   * reload, or waiting for this thread), and the batches asked for and not yet arrived, may take
   * in memory, all streams together, before producers are held back.
   */
  public void setReloadFeedBuffer(long bytes) {
    budget.setLimit(bytes);
  }

  /** Incremental configuration changes, in event-id order. */
  @Override
  public void applyChanges(List<ChangeEvent> events) {
    onEngine(() -> {
      long now = clock.millis();
      for (ChangeEvent event : events) {
        ConfigModel.Change change = model.apply(event);
        if (change.type() == ObjectType.OBJECT_TYPE_UNSPECIFIED) {
          continue;
        }
        StatKey key = new StatKey(change.type(), change.name());
        if (change.deleted()) {
          readings.remove(key);
          activity.forget(key);
          closeObject(key, "deleted from configuration", now);
        } else if (change.type() == ObjectType.AGENT_GROUP) {
          activity.recount(change.name(), model);
          changed(key, now);
        }
      }
      objectCount = model.objectCount();
    });
  }

  // ---- events --------------------------------------------------------------------------------

  /**
   * A Feed call opened: its lane into this engine. The call is asked for its first batch once
   * the feed budget admits it.
   */
  public FeedLane openFeed(FeedCall call) {
    FeedLane lane = new FeedLane(call);
    budget.wantMore(lane);
    return lane;
  }

  /**
   * A batch arrived on {@code lane}: it is applied in order, or held while a reload runs, and
   * counts against the feed budget until then. The call is acknowledged once it is applied (or
   * skipped as a re-sent duplicate), refused if it cannot be applied, and asked for its next
   * batch once the budget admits it: at once (on the caller's thread), or when applied batches
   * made room. That is the call's flow control.
   */
  public void feed(FeedLane lane, FeedBatch batch) {
    long bytes = batch.cost();
    budget.received(lane, bytes);
    onEngine(() -> {
      Runnable work = () -> {
        try {
          applyOrRefuse(lane, batch);
        } finally {
          budget.release(bytes);
        }
      };
      if (hold.active()) {
        hold.hold(work, bytes);
      } else {
        work.run();
      }
    });
    budget.wantMore(lane);
  }

  /**
   * No batch comes on {@code lane} any more (the producer half-closed or went away, or the call
   * ended): its place in the feed budget is given to the calls waiting. What it sent is applied
   * all the same.
   */
  public void closeFeed(FeedLane lane) {
    budget.close(lane);
  }

  /** Runs {@code done} on the engine thread after every batch fed before it has been applied. */
  public void afterFeed(Runnable done) {
    onEngine(() -> {
      if (hold.active()) {
        hold.hold(done, 0);
      } else {
        done.run();
      }
    });
  }

  /** Applies a batch received on {@code lane}, unless it or one before it on the lane cannot be. */
  private void applyOrRefuse(FeedLane lane, FeedBatch received) {
    if (lane.refused) {
      return;
    }
    EventBatch batch;
    try {
      batch = received.parse();
    } catch (InvalidProtocolBufferException e) {
      refuse(lane, Status.INVALID_ARGUMENT.withDescription("not an EventBatch: " + e.getMessage()));
      return;
    }
    if (!batch.getProducerId().isEmpty()) {
      var problem = Names.problem(batch.getProducerId());
      if (problem.isPresent()) {
        refuse(lane, Status.INVALID_ARGUMENT.withDescription("producer_id: " + problem.get()));
        return;
      }
    }
    var nameProblem = FeedNames.problem(batch);
    if (nameProblem.isPresent()) {
      refuse(lane, Status.INVALID_ARGUMENT.withDescription(nameProblem.get() + "; nothing of this batch was applied"));
      return;
    }
    FeedCounters counters = lane.call.counters();
    if (ProducerLedger.sequenced(batch)) {
      switch (producers.admit(batch)) {
        case FULL -> {
          refuseNewProducer(lane, batch);
          return;
        }
        case DUPLICATE -> {
          producers.heard(batch, false, clock.millis());
          counters.duplicateBatches.incrementAndGet();
          counters.appliedThrough(batch.getProducerId(), producers.appliedThrough(batch.getProducerId()));
          lane.call.acknowledge();
          return;
        }
        case GAP -> {
          long expected = producers.appliedThrough(batch.getProducerId()) + 1;
          PER_REQUEST.emit(LogEvent.FEED_SEQUENCE_GAP, "producer", batch.getProducerId(), "sequence",
              batch.getSequence(), "expected", expected);
          refuse(lane, Status.FAILED_PRECONDITION.withDescription("sequence: " + batch.getSequence() + " from producer '"
              + batch.getProducerId() + "', whose batches are applied through " + (expected - 1) + "; the next must be "
              + expected + " (one publisher per producer id, its batches in order); nothing of this batch was applied"));
          return;
        }
        case RESUMED -> PER_REQUEST.emit(LogEvent.FEED_PRODUCER_RESUMED, "producer", batch.getProducerId(),
            "sequence", batch.getSequence());
        case NEXT -> { }
      }
    }
    apply(batch, counters);
    lane.call.acknowledge();
  }

  /**
   * The ledger remembers as many producers as it may: a new one is refused, not let in by
   * forgetting one heard from lately, whose re-sent batches would then be applied twice.
   */
  private void refuseNewProducer(FeedLane lane, EventBatch batch) {
    producers.refused();
    PER_REQUEST.emit(LogEvent.FEED_PRODUCER_REFUSED, "producer", batch.getProducerId(), "remembered",
        producers.cap());
    refuse(lane, Status.RESOURCE_EXHAUSTED.withDescription("producer_id: '" + batch.getProducerId()
        + "' is new, and this server already remembers " + producers.cap() + " producers, the most it keeps for "
        + "exactly-once; each is forgotten " + ProducerLedger.IDLE_TTL.toHours() + " hours after its last batch"));
  }

  /** Ends {@code lane}'s call with {@code status}; nothing it sent after this batch is applied. */
  private static void refuse(FeedLane lane, Status status) {
    lane.refused = true;
    lane.call.refuse(status);
  }

  /** Applies the events of {@code batch}, admitted by the producer ledger if it is sequenced. */
  private void apply(EventBatch batch, FeedCounters counters) {
    Set<StatKey> touched = new HashSet<>();
    for (CenterEvent event : batch.getEventsList()) {
      switch (activity.apply(event, model, touched)) {
        case APPLIED -> {
          counters.accepted.incrementAndGet();
          eventsApplied.incrementAndGet();
        }
        case UNKNOWN_OBJECT -> {
          counters.unknownObject.incrementAndGet();
          eventsUnknown.incrementAndGet();
          unknownSinceLastLog++;
          if (unknownExamples.size() < UNKNOWN_EXAMPLES) {
            unknownExamples.add(event.getType() + " " + (event.getAgent().isEmpty() ? event.getQueue() : event.getAgent()));
          }
        }
        case IGNORED -> {
          counters.ignored.incrementAndGet();
          eventsIgnored.incrementAndGet();
        }
      }
    }
    long now = clock.millis();
    for (StatKey key : touched) {
      changed(key, now);
    }
    if (ProducerLedger.sequenced(batch)) {
      producers.heard(batch, true, now);
      counters.appliedThrough(batch.getProducerId(), batch.getSequence());
    }
  }

  // ---- statistics ----------------------------------------------------------------------------

  /**
   * Opens a statistic for {@code owner} (the caller's identity): its first value (or a refusal)
   * goes to the sink at once. Its id is unguessable, and only {@code owner} may use it.
   */
  public void open(OpenStatisticRequest request, String owner, StatisticSink sink) {
    onEngine(() -> {
      try {
        StatKey key = StatisticRequests.check(request.getObject(), request.getStatistic(), model);
        StatisticRequests.Notifying notifying = StatisticRequests.notifying(request.getNotification());
        if (sink.abandoned()) {
          return; // cancelled before it was opened
        }
        long now = clock.millis();
        subscriptions.open(new OpenStatistic(newStatisticId(), owner, key, request.getStatistic(), notifying, sink,
            activity.totals(key).copy(), now), now);
      } catch (StatisticRefusedException e) {
        refused(request.getObject(), request.getStatistic(), e);
        sink.failed(e.status());
      }
    });
  }

  /**
   * The current value of an open statistic or of a statistic given by object and type, read on
   * the caller's thread from the published readings: no lock, no wait.
   *
   * @throws StatisticRefusedException for an unknown object or statistic, or no such open statistic
   */
  public StatisticValue get(GetStatisticRequest request, String caller) {
    long now = clock.millis();
    Published view = published;
    if (request.hasSpec()) {
      StatisticSpec spec = request.getSpec();
      StatKey key;
      try {
        key = StatisticRequests.check(spec.getObject(), spec.getStatistic(), view.model());
      } catch (StatisticRefusedException e) {
        refused(spec.getObject(), spec.getStatistic(), e);
        throw e;
      }
      return StatisticValues.render(key, spec.getStatistic(), new Totals(), reading(view, key), now).build();
    }
    OpenStatistic stat = subscriptions.find(request.getStatisticId(), caller);
    if (stat == null) {
      throw noSuchStatistic(request.getStatisticId());
    }
    return StatisticValues.render(stat.key, stat.type, stat.baseline, reading(view, stat.key), now)
        .setStatisticId(stat.id).build();
  }

  /** The reading last published for {@code key}: what callers' threads read. */
  private static Reading reading(Published view, StatKey key) {
    return view.readings().getOrDefault(key, Reading.NONE);
  }

  /** Closes an open statistic of {@code caller}'s; false when {@code caller} has none by that id. */
  public CompletableFuture<Boolean> close(String statisticId, String caller) {
    return CompletableFuture.supplyAsync(() -> subscriptions.close(statisticId, caller, clock.millis()), thread);
  }

  /**
   * A client went away: forget its statistic without sending anything. Its id is read here, on the
   * engine thread, after the open queued before: read when the cancel came, it could still be
   * unset (the open under way), and the statistic stayed open for good.
   */
  public void forget(Supplier<String> statisticId) {
    onEngine(() -> subscriptions.forget(statisticId.get()));
  }

  /** Ends every open statistic stream with {@code status} (the server stopped accepting clients). */
  public void failAll(Status status) {
    onEngine(() -> subscriptions.failAll(status));
  }

  /** Not there, or another identity's: the same answer, so ids reveal nothing. */
  public static StatisticRefusedException noSuchStatistic(String statisticId) {
    return new StatisticRefusedException(Status.Code.NOT_FOUND,
        "statistic_id: no open statistic '" + statisticId + "' of yours on this server");
  }

  /** "S-" and 128 random bits: another connection cannot guess a statistic's id. */
  private static String newStatisticId() {
    return RandomIds.next("S-");
  }

  private static void refused(StatObject object, StatisticType type, StatisticRefusedException e) {
    PER_REQUEST.emit(LogEvent.STATISTIC_REFUSED, "statistic", type, "object", StatisticRequests.describe(object),
        "reason", e.getMessage());
  }

  /** Publishes a fresh view of every object with activity: after a reload, which may change any of them. */
  private void republishAll() {
    Map<StatKey, Reading> all = new ConcurrentHashMap<>();
    activity.keys().forEach(key -> all.put(key, activity.readingOf(key)));
    readings = all;
  }

  /** {@code key} changed: publish its reading, and tell the statistics open on it. */
  private void changed(StatKey key, long now) {
    readings.put(key, activity.readingOf(key));
    subscriptions.changed(key, now);
  }

  private void closeObject(StatKey key, String why, long now) {
    String reason = ObjectTypes.displayName(key.type()) + " '" + key.name() + "' " + why;
    for (OpenStatistic stat : subscriptions.closeObject(key, reason, now)) {
      PER_REQUEST.emit(LogEvent.STATISTIC_CLOSED, "statistic", stat.id, "type", stat.type, "reason", reason);
    }
  }

  private void tick() {
    long now = clock.millis();
    subscriptions.due(now);
    producers.expire(now);
    if (unknownSinceLastLog > 0 && now - lastUnknownLogMs >= UNKNOWN_LOG_EVERY_MS) {
      EventLog.emit(LOG, LogEvent.UNKNOWN_OBJECT_EVENTS, "events", unknownSinceLastLog, "examples",
          List.copyOf(unknownExamples), "total", eventsUnknown.get());
      unknownSinceLastLog = 0;
      unknownExamples.clear();
      lastUnknownLogMs = now;
    }
  }

  // ---- figures -------------------------------------------------------------------------------

  public long eventsApplied() {
    return eventsApplied.get();
  }

  public long eventsUnknown() {
    return eventsUnknown.get();
  }

  public long eventsIgnored() {
    return eventsIgnored.get();
  }

  public int openStatistics() {
    return subscriptions.count();
  }

  /**
   * The producers remembered (their batches carried an id): the most recently active, by
   * producer id, with how far each one's feed came; how many are remembered and forgotten.
   */
  public ProducerSummary producers() {
    return producers.summary();
  }

  /**
   * What fed batches received and not yet applied take in memory now (held because a reload
   * runs, or waiting for this thread), all streams together, as the feed budget counts them:
   * their bytes as received and their bookkeeping.
   */
  public long heldBytes() {
    return budget.used();
  }

  /** What the feed budget keeps for batches asked for and not yet arrived: the largest batch's cost each. */
  public long feedReservedBytes() {
    return budget.reserved();
  }

  /** Feed calls waiting for room in the feed budget before they are asked for their next batch. */
  public int feedStreamsWaiting() {
    return budget.waiting();
  }

  public int objects() {
    return objectCount;
  }

  /** Runs on the engine thread after everything submitted before it (tests, shutdown). */
  public CompletableFuture<Void> barrier() {
    return CompletableFuture.runAsync(() -> { }, thread);
  }

  /** Runs {@code work} on the engine thread; if it fails, the failure is logged (an executor would keep it to itself). */
  private void onEngine(Runnable work) {
    thread.execute(() -> isolated(work));
  }

  /**
   * Runs one piece of the engine's work on its own: a failure (a bug, a stream that cannot be
   * written) is logged with its cause and ends that piece only, never the work queued after it.
   */
  private static void isolated(Runnable work) {
    try {
      work.run();
    } catch (RuntimeException e) {
      LOG.error("statistics engine: a piece of work failed; the work after it goes on", e);
    }
  }
}
