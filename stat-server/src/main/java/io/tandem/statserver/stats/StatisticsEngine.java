package io.tandem.statserver.stats;

import io.grpc.Status;
import io.tandem.common.bootstrap.ManagedService;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.concurrent.ExecutorStop;
import io.tandem.common.config.ObjectTypes;
import io.tandem.common.logging.EventLog;
import io.tandem.common.logging.LogEvent;
import io.tandem.common.logging.RateLimitedLog;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ObjectType;
import io.tandem.stat.v1.AgentState;
import io.tandem.stat.v1.AgentStateValue;
import io.tandem.stat.v1.AverageValue;
import io.tandem.stat.v1.CenterEvent;
import io.tandem.stat.v1.EventBatch;
import io.tandem.stat.v1.GetStatisticRequest;
import io.tandem.stat.v1.NotificationMode;
import io.tandem.stat.v1.OpenStatisticRequest;
import io.tandem.stat.v1.ProducerProgress;
import io.tandem.stat.v1.StatObject;
import io.tandem.stat.v1.StatisticSpec;
import io.tandem.stat.v1.StatisticType;
import io.tandem.stat.v1.StatisticValue;
import io.tandem.statserver.model.ConfigModel;
import jakarta.inject.Inject;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The statistics: contact-center events in, values of open statistics out, on one thread that
 * owns all the state (so none of it needs locks and every statistic sees events in order).
 *
 * <p>Everything that changes the state runs on that thread and holds the write side of a
 * read/write lock; {@link #get} reads under the read side from the caller's thread, so a query
 * costs no thread hop.
 *
 * <p>Activity (agent states, calls waiting, totals) is kept by object name and survives
 * configuration reloads; the {@link ConfigModel} says which objects exist and which agents
 * belong to which group. While a reload is being built, events are held and applied after
 * the new model is swapped in — none is dropped. What is held is bounded: past
 * {@link #setReloadFeedBuffer the budget} a stream is not asked for more until the reload is
 * over, so producers slow down instead of this server's memory growing.
 *
 * <p>A batch that carries a producer id and a sequence number is applied at most once: the last
 * sequence applied per producer is remembered (across reloads), and a re-sent batch is skipped.
 */
public final class StatisticsEngine implements ManagedService {
  private static final Logger LOG = LoggerFactory.getLogger(StatisticsEngine.class);
  /** Per-request events, at most RateLimitedLog.BURST per window. */
  private static final RateLimitedLog PER_REQUEST = new RateLimitedLog(LOG);
  private static final long TICK_MS = 100;
  private static final long UNKNOWN_LOG_EVERY_MS = 10_000;
  /** statserver/reload-feed-buffer's default. */
  public static final long DEFAULT_RELOAD_FEED_BUFFER = 32L * 1024 * 1024;

  private final Clock clock;
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("statistics"));
  private final ReentrantReadWriteLock state = new ReentrantReadWriteLock();

  private ConfigModel model = new ConfigModel();
  private boolean reloading;
  private final List<Runnable> queuedDuringReload = new ArrayList<>();
  /** Bytes of batches held during a reload; past {@link #reloadFeedBuffer} streams are not asked for more. */
  private volatile long heldBytes;
  private volatile long reloadFeedBuffer = DEFAULT_RELOAD_FEED_BUFFER;
  private final Map<String, ProducerProgress> producers = new ConcurrentHashMap<>();

  private final Map<String, AgentActivity> agents = new HashMap<>();
  private final Map<String, Totals> groupTotals = new HashMap<>();
  private final Map<String, Integer> readyByGroup = new HashMap<>();
  private final Map<String, Set<String>> waitingByQueue = new HashMap<>();
  private final Map<String, String> queueOfCall = new HashMap<>();

  private final Map<StatKey, List<OpenStatistic>> openByObject = new HashMap<>();
  private final Map<String, OpenStatistic> openById = new LinkedHashMap<>();
  private final SecureRandom idRandom = new SecureRandom();

  private final AtomicLong eventsApplied = new AtomicLong();
  private final AtomicLong eventsUnknown = new AtomicLong();
  private final AtomicLong eventsIgnored = new AtomicLong();
  private volatile int openCount;
  private volatile int objectCount;
  private final Map<String, Long> unknownSinceLastLog = new LinkedHashMap<>();
  private long lastUnknownLogMs;

  @Inject
  public StatisticsEngine(Clock clock) {
    this.clock = clock;
  }

  @Override
  public void start() {
    thread.scheduleWithFixedDelay(() -> writing(this::tick), TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
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

  /** Events from now on are queued until {@link #completeReload} or {@link #abortReload}. */
  public void beginReload() {
    onEngine(() -> reloading = true);
  }

  /** Swaps {@code newModel} in (first load or reload), then applies what was queued meanwhile. */
  public CompletableFuture<Void> completeReload(ConfigModel newModel) {
    return CompletableFuture.runAsync(() -> writing(() -> {
      model = newModel;
      objectCount = model.objectCount();
      agents.keySet().removeIf(name -> !model.contains(ObjectType.AGENT, name));
      groupTotals.keySet().removeIf(name -> !model.contains(ObjectType.AGENT_GROUP, name));
      waitingByQueue.keySet().removeIf(name -> !model.contains(ObjectType.QUEUE, name));
      readyByGroup.clear();
      for (String group : model.groupNames()) {
        readyByGroup.put(group, countReady(group));
      }
      for (StatKey key : List.copyOf(openByObject.keySet())) {
        if (!model.contains(key.type(), key.name())) {
          closeObject(key, "deleted from configuration (found missing on reload)");
        } else {
          notifyChanged(key);
        }
      }
      resume();
    }), thread);
  }

  /** The reload did not happen: the queued events are applied to the model in use. */
  public void abortReload() {
    onEngine(this::resume);
  }

  private void resume() {
    reloading = false;
    int queued = queuedDuringReload.size();
    long bytes = heldBytes;
    List<Runnable> work = List.copyOf(queuedDuringReload);
    queuedDuringReload.clear();
    work.forEach(Runnable::run);
    heldBytes = 0;
    if (queued > 0) {
      EventLog.emit(LOG, LogEvent.EVENTS_QUEUED_DURING_RELOAD, "batches", queued, "bytes", bytes);
    }
  }

  /** statserver/reload-feed-buffer: bytes of events held during a reload before producers are held back. */
  public void setReloadFeedBuffer(long bytes) {
    reloadFeedBuffer = bytes;
  }

  /** Incremental configuration changes, in event-id order. */
  public void applyChanges(List<ChangeEvent> events) {
    onEngine(() -> {
      for (ChangeEvent event : events) {
        ConfigModel.Change change = model.apply(event);
        if (change.type() == ObjectType.OBJECT_TYPE_UNSPECIFIED) {
          continue;
        }
        StatKey key = new StatKey(change.type(), change.name());
        if (change.deleted()) {
          if (change.type() == ObjectType.AGENT) {
            agents.remove(change.name());
          } else if (change.type() == ObjectType.QUEUE) {
            waitingByQueue.remove(change.name());
          } else {
            groupTotals.remove(change.name());
            readyByGroup.remove(change.name());
          }
          closeObject(key, "deleted from configuration");
        } else if (change.type() == ObjectType.AGENT_GROUP) {
          readyByGroup.put(change.name(), countReady(change.name()));
          notifyChanged(key);
        }
      }
      objectCount = model.objectCount();
    });
  }

  // ---- events --------------------------------------------------------------------------------

  /**
   * Applies a batch of events in order, or holds it while a reload runs. {@code applied} runs
   * once it is applied (or skipped as a re-sent duplicate); {@code more} runs when the stream may
   * send another batch: at once, or — a reload running and its budget spent — once the reload is
   * over and the batch applied. That is the stream's flow control.
   */
  public void feed(EventBatch batch, FeedCounters counters, Runnable applied, Runnable more) {
    onEngine(() -> {
      if (!reloading) {
        apply(batch, counters);
        applied.run();
        more.run();
        return;
      }
      heldBytes += batch.getSerializedSize();
      boolean withinBudget = heldBytes <= reloadFeedBuffer;
      queuedDuringReload.add(() -> {
        apply(batch, counters);
        applied.run();
        if (!withinBudget) {
          more.run();
        }
      });
      if (withinBudget) {
        more.run();
      }
    });
  }

  /** Runs {@code done} after every batch fed before it has been applied. */
  public void afterFeed(Runnable done) {
    onEngine(() -> whenNotReloading(done));
  }

  private void whenNotReloading(Runnable work) {
    if (reloading) {
      queuedDuringReload.add(work);
    } else {
      work.run();
    }
  }

  private void apply(EventBatch batch, FeedCounters counters) {
    String producer = batch.getProducerId();
    boolean sequenced = !producer.isEmpty() && batch.getSequence() > 0;
    if (sequenced) {
      ProducerProgress progress = producers.get(producer);
      if (progress != null && batch.getSequence() <= progress.getAppliedThrough()) {
        counters.duplicateBatches.incrementAndGet();
        counters.appliedThrough(producer, progress.getAppliedThrough());
        return;
      }
    }
    Set<StatKey> touched = new HashSet<>();
    for (CenterEvent event : batch.getEventsList()) {
      Outcome outcome = apply(event, touched);
      switch (outcome) {
        case APPLIED -> {
          counters.accepted.incrementAndGet();
          eventsApplied.incrementAndGet();
        }
        case UNKNOWN_OBJECT -> {
          counters.unknownObject.incrementAndGet();
          eventsUnknown.incrementAndGet();
          String name = event.getType() + " " + (event.getAgent().isEmpty() ? event.getQueue() : event.getAgent());
          unknownSinceLastLog.merge(name, 1L, Long::sum);
        }
        default -> {
          counters.ignored.incrementAndGet();
          eventsIgnored.incrementAndGet();
        }
      }
    }
    for (StatKey key : touched) {
      notifyChanged(key);
    }
    if (sequenced) {
      ProducerProgress before = producers.get(producer);
      producers.put(producer, ProducerProgress.newBuilder().setProducerId(producer)
          .setAppliedThrough(batch.getSequence())
          .setEvents((before == null ? 0 : before.getEvents()) + batch.getEventsCount()).build());
      counters.appliedThrough(producer, batch.getSequence());
    }
  }

  private enum Outcome { APPLIED, UNKNOWN_OBJECT, IGNORED }

  private Outcome apply(CenterEvent e, Set<StatKey> touched) {
    long at = e.getTimestampMs();
    switch (e.getType()) {
      case AGENT_LOGIN, AGENT_LOGOUT, AGENT_READY, AGENT_NOT_READY, CALL_RELEASED, AFTER_CALL_WORK_ENDED -> {
        if (!model.contains(ObjectType.AGENT, e.getAgent())) {
          return Outcome.UNKNOWN_OBJECT;
        }
      }
      case CALL_QUEUED, CALL_ABANDONED -> {
        if (!model.contains(ObjectType.QUEUE, e.getQueue())) {
          return Outcome.UNKNOWN_OBJECT;
        }
      }
      case CALL_ANSWERED -> {
        if (!model.contains(ObjectType.AGENT, e.getAgent())) {
          return Outcome.UNKNOWN_OBJECT;
        }
      }
      default -> {
        return Outcome.IGNORED;
      }
    }
    AgentActivity agent = e.getAgent().isEmpty() ? null : agents.computeIfAbsent(e.getAgent(), k -> new AgentActivity());
    switch (e.getType()) {
      case AGENT_LOGIN, AGENT_NOT_READY -> changeState(e.getAgent(), agent, AgentState.NOT_READY, at, touched);
      case AGENT_READY -> changeState(e.getAgent(), agent, AgentState.READY, at, touched);
      case AGENT_LOGOUT -> changeState(e.getAgent(), agent, AgentState.LOGGED_OUT, at, touched);
      case CALL_QUEUED -> {
        if (!waitingByQueue.computeIfAbsent(e.getQueue(), k -> new HashSet<>()).add(e.getCallId())) {
          return Outcome.IGNORED;
        }
        queueOfCall.put(e.getCallId(), e.getQueue());
        touched.add(new StatKey(ObjectType.QUEUE, e.getQueue()));
      }
      case CALL_ABANDONED -> {
        if (!leaveQueue(e.getCallId(), touched)) {
          return Outcome.IGNORED;
        }
      }
      case CALL_ANSWERED -> {
        leaveQueue(e.getCallId(), touched);
        if (agent.state == AgentState.TALKING || agent.state == AgentState.LOGGED_OUT) {
          return Outcome.IGNORED;
        }
        agent.callId = e.getCallId();
        agent.talkStartedMs = at;
        agent.totals.answered++;
        for (String group : model.groupsOf(e.getAgent())) {
          groupTotals.computeIfAbsent(group, k -> new Totals()).answered++;
          touched.add(new StatKey(ObjectType.AGENT_GROUP, group));
        }
        changeState(e.getAgent(), agent, AgentState.TALKING, at, touched);
      }
      case CALL_RELEASED -> {
        if (agent.state != AgentState.TALKING) {
          return Outcome.IGNORED;
        }
        agent.talkMs = Math.max(0, at - agent.talkStartedMs);
        agent.afterCallWorkStartedMs = at;
        agent.callId = null;
        changeState(e.getAgent(), agent, AgentState.AFTER_CALL_WORK, at, touched);
      }
      case AFTER_CALL_WORK_ENDED -> {
        if (agent.state != AgentState.AFTER_CALL_WORK) {
          return Outcome.IGNORED;
        }
        long handle = agent.talkMs + Math.max(0, at - agent.afterCallWorkStartedMs);
        agent.totals.handled++;
        agent.totals.handleMs += handle;
        for (String group : model.groupsOf(e.getAgent())) {
          Totals totals = groupTotals.computeIfAbsent(group, k -> new Totals());
          totals.handled++;
          totals.handleMs += handle;
          touched.add(new StatKey(ObjectType.AGENT_GROUP, group));
        }
        changeState(e.getAgent(), agent, AgentState.READY, at, touched);
      }
      default -> {
        return Outcome.IGNORED;
      }
    }
    return Outcome.APPLIED;
  }

  private boolean leaveQueue(String callId, Set<StatKey> touched) {
    String queue = queueOfCall.remove(callId);
    if (queue == null) {
      return false;
    }
    Set<String> waiting = waitingByQueue.get(queue);
    if (waiting != null) {
      waiting.remove(callId);
    }
    touched.add(new StatKey(ObjectType.QUEUE, queue));
    return true;
  }

  private void changeState(String name, AgentActivity agent, AgentState state, long at, Set<StatKey> touched) {
    boolean wasReady = agent.state == AgentState.READY;
    boolean isReady = state == AgentState.READY;
    agent.enter(state, at);
    touched.add(new StatKey(ObjectType.AGENT, name));
    if (wasReady != isReady) {
      for (String group : model.groupsOf(name)) {
        readyByGroup.merge(group, isReady ? 1 : -1, Integer::sum);
        touched.add(new StatKey(ObjectType.AGENT_GROUP, group));
      }
    }
  }

  private int countReady(String group) {
    int ready = 0;
    for (String member : model.members(group)) {
      AgentActivity activity = agents.get(member);
      if (activity != null && activity.state == AgentState.READY) {
        ready++;
      }
    }
    return ready;
  }

  // ---- statistics ----------------------------------------------------------------------------

  /**
   * Opens a statistic for {@code owner} (the caller's identity): its first value (or a refusal)
   * goes to the sink at once. Its id is unguessable, and only {@code owner} may use it.
   */
  public void open(OpenStatisticRequest request, String owner, StatisticSink sink) {
    onEngine(() -> {
      try {
        StatKey key = check(request.getObject(), request.getStatistic());
        var notification = request.getNotification();
        NotificationMode mode = notification.getMode() == NotificationMode.NOTIFICATION_MODE_UNSPECIFIED
            ? NotificationMode.IMMEDIATE : notification.getMode();
        if (notification.getInsensitivity() < 0) {
          throw new StatisticRefusedException(Status.Code.INVALID_ARGUMENT,
              "notification.insensitivity: " + notification.getInsensitivity() + " is negative");
        }
        boolean periodic = mode == NotificationMode.PERIODICAL || mode == NotificationMode.RESET;
        if (periodic && notification.getPeriodSeconds() < 1) {
          throw new StatisticRefusedException(Status.Code.INVALID_ARGUMENT,
              "notification.period_seconds: " + mode + " needs a period of at least 1 second");
        }
        if (sink.abandoned()) {
          return; // cancelled before it was opened
        }
        long now = clock.millis();
        OpenStatistic stat = new OpenStatistic(newStatisticId(), owner, key, request.getStatistic(), mode,
            notification.getInsensitivity(), notification.getPeriodSeconds() * 1000L, sink, totals(key).copy(), now);
        openById.put(stat.id, stat);
        openByObject.computeIfAbsent(key, k -> new ArrayList<>(1)).add(stat);
        openCount = openById.size();
        send(stat, now);
      } catch (StatisticRefusedException e) {
        PER_REQUEST.emit(LogEvent.STATISTIC_REFUSED, "statistic", request.getStatistic(),
            "object", describe(request.getObject()), "reason", e.getMessage());
        sink.failed(e.status());
      }
    });
  }

  /**
   * The current value of an open statistic or of a statistic given by object and type, read on
   * the caller's thread.
   *
   * @throws StatisticRefusedException for an unknown object or statistic, or no such open statistic
   */
  public StatisticValue get(GetStatisticRequest request, String caller) {
    state.readLock().lock();
    try {
      long now = clock.millis();
      if (request.hasSpec()) {
        StatisticSpec spec = request.getSpec();
        StatKey key = checkLogged(spec.getObject(), spec.getStatistic());
        return value(key, spec.getStatistic(), new Totals(), now).build();
      }
      OpenStatistic stat = openById.get(request.getStatisticId());
      if (stat == null || !stat.owner.equals(caller)) {
        throw noSuchStatistic(request.getStatisticId());
      }
      return value(stat.key, stat.type, stat.baseline, now).setStatisticId(stat.id).build();
    } finally {
      state.readLock().unlock();
    }
  }

  /** Closes an open statistic of {@code caller}'s; false when {@code caller} has none by that id. */
  public CompletableFuture<Boolean> close(String statisticId, String caller) {
    return CompletableFuture.supplyAsync(() -> writingResult(() -> {
      OpenStatistic stat = openById.get(statisticId);
      if (stat == null || !stat.owner.equals(caller)) {
        return false;
      }
      remove(stat);
      stat.sink.closed(value(stat.key, stat.type, stat.baseline, clock.millis()).setStatisticId(stat.id)
          .setClosedReason("closed by client").build());
      return true;
    }), thread);
  }

  /** A client went away: forget its statistic without sending anything. */
  public void forget(String statisticId) {
    onEngine(() -> {
      OpenStatistic stat = openById.get(statisticId);
      if (stat != null) {
        remove(stat);
      }
    });
  }

  /** Ends every open statistic stream with {@code status} (the server stopped accepting clients). */
  public void failAll(Status status) {
    onEngine(() -> {
      for (OpenStatistic stat : List.copyOf(openById.values())) {
        remove(stat);
        stat.sink.failed(status);
      }
    });
  }

  /** Not there, or another identity's: the same answer, so ids reveal nothing. */
  public static StatisticRefusedException noSuchStatistic(String statisticId) {
    return new StatisticRefusedException(Status.Code.NOT_FOUND,
        "statistic_id: no open statistic '" + statisticId + "' of yours on this server");
  }

  /** "S-" and 128 random bits: another connection cannot guess a statistic's id. */
  private String newStatisticId() {
    byte[] bits = new byte[16];
    idRandom.nextBytes(bits);
    return "S-" + HexFormat.of().formatHex(bits);
  }

  private StatKey checkLogged(StatObject object, StatisticType type) {
    try {
      return check(object, type);
    } catch (StatisticRefusedException e) {
      PER_REQUEST.emit(LogEvent.STATISTIC_REFUSED, "statistic", type, "object", describe(object), "reason",
          e.getMessage());
      throw e;
    }
  }

  private StatKey check(StatObject object, StatisticType type) {
    ObjectType objectType = object.getType();
    if (objectType != ObjectType.AGENT && objectType != ObjectType.AGENT_GROUP && objectType != ObjectType.QUEUE) {
      throw new StatisticRefusedException(Status.Code.INVALID_ARGUMENT,
          "object.type: statistics are about an AGENT, AGENT_GROUP or QUEUE, not " + objectType);
    }
    boolean applies = switch (type) {
      case CURRENT_AGENT_STATE -> objectType == ObjectType.AGENT;
      case CURRENT_READY_AGENTS -> objectType == ObjectType.AGENT_GROUP;
      case CURRENT_WAITING_CALLS -> objectType == ObjectType.QUEUE;
      case TOTAL_CALLS_ANSWERED, AVERAGE_HANDLE_TIME -> objectType == ObjectType.AGENT
          || objectType == ObjectType.AGENT_GROUP;
      default -> throw new StatisticRefusedException(Status.Code.INVALID_ARGUMENT,
          "statistic: unknown statistic type " + type);
    };
    if (!applies) {
      throw new StatisticRefusedException(Status.Code.INVALID_ARGUMENT, "statistic: " + type + " does not apply to "
          + ObjectTypes.displayName(objectType) + " (" + appliesTo(type) + ")");
    }
    if (!model.contains(objectType, object.getName())) {
      throw new StatisticRefusedException(Status.Code.NOT_FOUND,
          "object: " + ConfigModel.missing(objectType, object.getName()));
    }
    return new StatKey(objectType, object.getName());
  }

  private static String appliesTo(StatisticType type) {
    return switch (type) {
      case CURRENT_AGENT_STATE -> "Agent only";
      case CURRENT_READY_AGENTS -> "AgentGroup only";
      case CURRENT_WAITING_CALLS -> "Queue only";
      default -> "Agent or AgentGroup";
    };
  }

  private static String describe(StatObject object) {
    return ObjectTypes.displayName(object.getType()) + " '" + object.getName() + "'";
  }

  private Totals totals(StatKey key) {
    if (key.type() == ObjectType.AGENT) {
      AgentActivity agent = agents.get(key.name());
      return agent == null ? new Totals() : agent.totals;
    }
    if (key.type() == ObjectType.AGENT_GROUP) {
      return groupTotals.getOrDefault(key.name(), new Totals());
    }
    return new Totals();
  }

  private StatisticValue.Builder value(StatKey key, StatisticType type, Totals baseline, long now) {
    StatisticValue.Builder value = StatisticValue.newBuilder()
        .setObject(StatObject.newBuilder().setType(key.type()).setName(key.name()))
        .setStatistic(type)
        .setComputedAtMs(now);
    switch (type) {
      case CURRENT_AGENT_STATE -> {
        AgentActivity agent = agents.get(key.name());
        AgentState state = agent == null ? AgentState.LOGGED_OUT : agent.state;
        long since = agent == null ? 0 : agent.sinceMs;
        value.setAgentState(AgentStateValue.newBuilder().setState(state).setSinceMs(since)
            .setDurationMs(since == 0 ? 0 : Math.max(0, now - since)));
      }
      case CURRENT_READY_AGENTS -> value.setCount(readyByGroup.getOrDefault(key.name(), 0));
      case CURRENT_WAITING_CALLS -> value.setCount(waitingByQueue.getOrDefault(key.name(), Set.of()).size());
      case TOTAL_CALLS_ANSWERED -> value.setCount(totals(key).answered - baseline.answered);
      case AVERAGE_HANDLE_TIME -> {
        Totals now_ = totals(key);
        long calls = now_.handled - baseline.handled;
        long handleMs = now_.handleMs - baseline.handleMs;
        value.setAverage(AverageValue.newBuilder().setCalls(calls).setAverageMs(calls == 0 ? 0 : (double) handleMs / calls));
      }
      default -> { }
    }
    return value;
  }

  private void notifyChanged(StatKey key) {
    List<OpenStatistic> stats = openByObject.get(key);
    if (stats == null) {
      return;
    }
    long now = clock.millis();
    for (OpenStatistic stat : stats) {
      if (stat.mode == NotificationMode.IMMEDIATE) {
        StatisticValue.Builder value = value(stat.key, stat.type, stat.baseline, now);
        if (changedEnough(stat, value)) {
          stat.lastSent = value.setStatisticId(stat.id).build();
          stat.sink.offer(stat.lastSent);
        }
      }
    }
  }

  private static boolean changedEnough(OpenStatistic stat, StatisticValue.Builder value) {
    StatisticValue last = stat.lastSent;
    if (last == null) {
      return true;
    }
    return switch (value.getValueCase()) {
      case AGENT_STATE -> value.getAgentState().getState() != last.getAgentState().getState();
      case COUNT -> Math.abs(value.getCount() - last.getCount()) >= Math.max(stat.insensitivity, Double.MIN_VALUE);
      case AVERAGE -> value.getAverage().getCalls() != last.getAverage().getCalls()
          && Math.abs(value.getAverage().getAverageMs() - last.getAverage().getAverageMs()) >= stat.insensitivity;
      default -> false;
    };
  }

  private void send(OpenStatistic stat, long now) {
    stat.lastSent = value(stat.key, stat.type, stat.baseline, now).setStatisticId(stat.id).build();
    stat.sink.offer(stat.lastSent);
  }

  private void tick() {
    long now = clock.millis();
    for (OpenStatistic stat : openById.values()) {
      if (stat.periodic() && now >= stat.nextDueMs) {
        send(stat, now);
        if (stat.mode == NotificationMode.RESET) {
          stat.baseline = totals(stat.key).copy();
        }
        stat.nextDueMs = now + stat.periodMs;
      }
    }
    if (!unknownSinceLastLog.isEmpty() && now - lastUnknownLogMs >= UNKNOWN_LOG_EVERY_MS) {
      EventLog.emit(LOG, LogEvent.UNKNOWN_OBJECT_EVENTS, "events", unknownSinceLastLog.values().stream()
          .mapToLong(Long::longValue).sum(), "examples", unknownSinceLastLog.keySet().stream().limit(5).toList(),
          "total", eventsUnknown.get());
      unknownSinceLastLog.clear();
      lastUnknownLogMs = now;
    }
  }

  private void closeObject(StatKey key, String why) {
    List<OpenStatistic> stats = openByObject.get(key);
    if (stats == null) {
      return;
    }
    String reason = ObjectTypes.displayName(key.type()) + " '" + key.name() + "' " + why;
    long now = clock.millis();
    for (OpenStatistic stat : List.copyOf(stats)) {
      remove(stat);
      PER_REQUEST.emit(LogEvent.STATISTIC_CLOSED, "statistic", stat.id, "type", stat.type, "reason", reason);
      stat.sink.closed(value(stat.key, stat.type, stat.baseline, now).setStatisticId(stat.id).setClosedReason(reason)
          .build());
    }
  }

  private void remove(OpenStatistic stat) {
    openById.remove(stat.id);
    List<OpenStatistic> stats = openByObject.get(stat.key);
    if (stats != null) {
      stats.remove(stat);
      if (stats.isEmpty()) {
        openByObject.remove(stat.key);
      }
    }
    openCount = openById.size();
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
    return openCount;
  }

  /** Every producer whose batches carried an id, and how far its feed came, by producer id. */
  public List<ProducerProgress> producers() {
    return producers.values().stream().sorted(java.util.Comparator.comparing(ProducerProgress::getProducerId)).toList();
  }

  /** Bytes of events held now because a reload runs. */
  public long heldBytes() {
    return heldBytes;
  }

  public int objects() {
    return objectCount;
  }

  /** Runs on the engine thread after everything submitted before it (tests, shutdown). */
  public CompletableFuture<Void> barrier() {
    return CompletableFuture.runAsync(() -> { }, thread);
  }

  /** Runs {@code work} on the engine thread, holding the write lock. */
  private void onEngine(Runnable work) {
    thread.execute(() -> writing(work));
  }

  private void writing(Runnable work) {
    state.writeLock().lock();
    try {
      work.run();
    } finally {
      state.writeLock().unlock();
    }
  }

  private <T> T writingResult(java.util.function.Supplier<T> work) {
    state.writeLock().lock();
    try {
      return work.get();
    } finally {
      state.writeLock().unlock();
    }
  }
}
