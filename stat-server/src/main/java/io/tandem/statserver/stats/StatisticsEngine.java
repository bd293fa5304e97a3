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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The statistics: contact-center events in, values of open statistics out, on one thread that
 * owns all the state (so none of it needs locks and every statistic sees events in order).
 *
 * <p>Everything that changes the state runs on that thread, which publishes an immutable
 * {@link Reading} of every object it changed; {@link #get} renders from those on the caller's
 * thread with no lock, so a query costs no thread hop and never waits, not even while a reload
 * is swapped in or a slow stream holds the engine thread.
 *
 * <p>What the events mean is {@link Activity}'s (pure); how a value is rendered is
 * {@link StatisticValues}'s (pure); this class is the thread around them, the open statistics and
 * their notifications, and the feed's flow control. Activity is kept by object name and survives
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
  private volatile ConfigModel model = new ConfigModel();
  /** The published view {@link #get} reads: replaced whole on a reload, one entry at a time otherwise. */
  private volatile Map<StatKey, Reading> readings = new ConcurrentHashMap<>();
  private boolean reloading;
  private final List<Runnable> queuedDuringReload = new ArrayList<>();
  /** Bytes of batches held during a reload; past {@link #reloadFeedBuffer} streams are not asked for more. */
  private volatile long heldBytes;
  private volatile long reloadFeedBuffer = DEFAULT_RELOAD_FEED_BUFFER;
  private final Map<String, ProducerProgress> producers = new ConcurrentHashMap<>();

  private final Activity activity = new Activity();

  private final Map<StatKey, List<OpenStatistic>> openByObject = new HashMap<>();
  /** Concurrent: {@link #get} looks statistics up by id on callers' threads. */
  private final Map<String, OpenStatistic> openById = new ConcurrentHashMap<>();
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
    thread.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
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
    return CompletableFuture.runAsync(() -> {
      model = newModel;
      objectCount = model.objectCount();
      activity.reconcile(model);
      republishAll();
      for (StatKey key : List.copyOf(openByObject.keySet())) {
        if (!model.contains(key.type(), key.name())) {
          closeObject(key, "deleted from configuration (found missing on reload)");
        } else {
          notifyChanged(key);
        }
      }
      resume();
    }, thread);
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
          readings.remove(key);
          activity.forget(key);
          closeObject(key, "deleted from configuration");
        } else if (change.type() == ObjectType.AGENT_GROUP) {
          activity.recount(change.name(), model);
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
      Activity.Outcome outcome = activity.apply(event, model, touched);
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
            notification.getInsensitivity(), notification.getPeriodSeconds() * 1000L, sink, activity.totals(key).copy(), now);
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
    long now = clock.millis();
    if (request.hasSpec()) {
      StatisticSpec spec = request.getSpec();
      StatKey key = checkLogged(spec.getObject(), spec.getStatistic());
      return StatisticValues.render(key, spec.getStatistic(), new Totals(), published(key), now).build();
    }
    OpenStatistic stat = openById.get(request.getStatisticId());
    if (stat == null || !stat.owner.equals(caller)) {
      throw noSuchStatistic(request.getStatisticId());
    }
    return StatisticValues.render(stat.key, stat.type, stat.baseline, published(stat.key), now)
        .setStatisticId(stat.id).build();
  }

  /** The reading last published for {@code key}: what callers' threads read. */
  private Reading published(StatKey key) {
    return readings.getOrDefault(key, Reading.NONE);
  }

  /** Closes an open statistic of {@code caller}'s; false when {@code caller} has none by that id. */
  public CompletableFuture<Boolean> close(String statisticId, String caller) {
    return CompletableFuture.supplyAsync(() -> {
      OpenStatistic stat = openById.get(statisticId);
      if (stat == null || !stat.owner.equals(caller)) {
        return false;
      }
      remove(stat);
      stat.sink.closed(value(stat.key, stat.type, stat.baseline, clock.millis()).setStatisticId(stat.id)
          .setClosedReason("closed by client").build());
      return true;
    }, thread);
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

  /** A value from the live state, on the engine thread. */
  private StatisticValue.Builder value(StatKey key, StatisticType type, Totals baseline, long now) {
    return StatisticValues.render(key, type, baseline, activity.readingOf(key), now);
  }

  /** Publishes a fresh view of every object with activity: after a reload, which may change any of them. */
  private void republishAll() {
    Map<StatKey, Reading> all = new ConcurrentHashMap<>();
    activity.keys().forEach(key -> publishInto(all, key));
    readings = all;
  }

  private void publishInto(Map<StatKey, Reading> view, StatKey key) {
    view.put(key, activity.readingOf(key));
  }

  /** {@code key} changed: publish its reading, and send it to the statistics that want every change. */
  private void notifyChanged(StatKey key) {
    publishInto(readings, key);
    List<OpenStatistic> stats = openByObject.get(key);
    if (stats == null) {
      return;
    }
    long now = clock.millis();
    for (OpenStatistic stat : stats) {
      if (stat.mode == NotificationMode.IMMEDIATE) {
        StatisticValue.Builder value = value(stat.key, stat.type, stat.baseline, now);
        if (stat.changedEnough(value)) {
          stat.lastSent = value.setStatisticId(stat.id).build();
          stat.sink.offer(stat.lastSent);
        }
      }
    }
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
          stat.baseline = activity.totals(stat.key).copy();
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

  /** Runs {@code work} on the engine thread. */
  private void onEngine(Runnable work) {
    thread.execute(work);
  }
}
