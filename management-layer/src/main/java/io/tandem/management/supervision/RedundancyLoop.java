package io.tandem.management.supervision;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tandem.common.bootstrap.FatalStop;
import io.tandem.common.bootstrap.LongLivedStreams;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tandem.common.bootstrap.ManagedService;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.concurrent.ExecutorStop;
import io.tandem.common.concurrent.Scheduled;
import io.tandem.management.ledger.CorruptLedgerException;
import io.tandem.management.ledger.EpochLedger;
import io.tandem.management.leader.Leading;
import io.tandem.management.ledger.EpochNotRecordedException;
import io.tandem.management.ledger.FileEpochLedger;
import io.tandem.management.ledger.PairMemories;
import io.tandem.protocol.leadership.Leadership;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import io.tandem.common.logging.RateLimitedLog;
import io.tandem.protocol.redundancy.Action;
import io.tandem.protocol.redundancy.Arrival;
import io.tandem.protocol.redundancy.Pause;
import io.tandem.protocol.redundancy.RedundancyController;
import io.tandem.protocol.redundancy.RedundancySettings;
import io.tandem.protocol.redundancy.SessionEnd;
import io.tandem.management.v1.LeaderInfo;
import io.tandem.management.v1.PairMemory;
import io.tandem.management.v1.PairsStatus;
import io.tandem.management.v1.SwitchoverReply;
import jakarta.inject.Inject;
import com.google.inject.name.Named;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that owns the {@link RedundancyController}: every input (stream events,
 * configuration, operator requests, the 50 ms tick) is queued here, and the controller's actions
 * are carried out here, so the controller needs no locks and the streams are written by one
 * thread only.
 */
public final class RedundancyLoop implements ManagedService, LongLivedStreams {
  private static final Logger LOG = LoggerFactory.getLogger(RedundancyLoop.class);
  /** Events a caller causes once per request: a hello refused. */
  private static final Set<LogEvent> PER_REQUEST = EnumSet.of(LogEvent.APPLICATION_REFUSED);

  /** The binding of {@link #decisions}. */
  public static final String DECISIONS = "redundancy-decisions";

  /** The wall clock: for the times this process shows (as of, leader since). */
  private final Clock clock;
  /**
   * What every deadline is judged on: a monotonic clock in service. On the wall clock a step back
   * (NTP, a VM's time sync) made heartbeats received before it look as if from the future, and a
   * frozen primary was not found hung for as long as the step; a step forward made every member hung.
   */
  private final Clock decisions;
  private RedundancyController controller;
  private final EpochLedger ledger;
  private final PairMemories pairMemories;
  /** What this leader last handed to {@link #pairMemories} of each pair, or read from it when elected. */
  private Map<String, PairMemory> kept = new HashMap<>();
  private final Leading leading;
  /**
   * The leadership this loop acts under, as the role changes reached it (0: standing by). The
   * election may already be a change further; a command decided under this leadership leaves only
   * while the election still holds it, and nothing is accepted until the loop has caught up.
   */
  private long ledRevision;
  /** Since when this process leads (its start when alone), on the wall clock. */
  private Instant leaderSince;
  /** The configuration last given, so a newly elected leader starts from it. */
  private Map<String, String> backupOf = Map.of();
  private RedundancySettings settings = RedundancySettings.DEFAULTS;
  private final FatalStop fatalStop;
  /** False once an epoch could not be recorded: no command leaves this process again. */
  private boolean commanding = true;
  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("redundancy"));
  /** Open supervision streams by session id (several per application while one replaces another). */
  private final Map<Long, SupervisionSession> sessions = new HashMap<>();
  private final Map<Long, StreamObserver<SwitchoverReply>> requests = new HashMap<>();
  private final PairWatchers watchers = new PairWatchers();
  private PairsStatus published = PairsStatus.getDefaultInstance();
  private final Plumbing plumbing = new Plumbing();
  private final RateLimitedLog rateLimited = new RateLimitedLog(LOG);

  private final RedundancyMetrics metrics;
  /** When this process did not run, measured on a thread of its own. */
  private final PauseWatchdog pauses = new PauseWatchdog(System.nanoTime());

  @Inject
  public RedundancyLoop(Clock clock, @Named(DECISIONS) Clock decisions, PrometheusRegistry registry, EpochLedger ledger,
      PairMemories pairMemories, Leading leading, FatalStop fatalStop) {
    this.clock = clock;
    this.decisions = decisions;
    this.metrics = new RedundancyMetrics(registry, () -> leading.standbyReason().isEmpty());
    this.ledger = ledger;
    this.pairMemories = pairMemories;
    this.leading = leading;
    this.fatalStop = fatalStop;
    this.controller = new RedundancyController(RedundancySettings.DEFAULTS, ledger.highest());
    this.ledRevision = leading.revision();
    this.leaderSince = clock.instant();
    leading.onChange(change -> execute(() -> roleChanged(change)));
  }

  @Override
  public void start() {
    pauses.start();
    long tickMs = RedundancyController.TICK_PERIOD.toMillis();
    Scheduled.repeat(executor, "redundancy tick", Duration.ofMillis(tickMs), Duration.ofMillis(tickMs),
        () -> apply(now -> controller.tick(now, pausesUntil(now))));
  }

  @Override
  public void stop() throws InterruptedException {
    endStreams();
    ExecutorStop.stop(executor, "redundancy", Duration.ofSeconds(2));
    pauses.close();
  }

  @Override
  public String name() {
    return "redundancy loop";
  }

  @Override
  public void endStreams() {
    execute(() -> {
      sessions.values().forEach(s -> s.end(Status.UNAVAILABLE.withDescription("Management Layer shutting down")));
      sessions.clear();
      watchers.endAll();
    });
  }

  /** Loop thread. Empty while this Management Layer leads; otherwise why a caller must go to another. */
  Optional<String> standbyReason() {
    if (ledRevision != 0 && leading.revision() == ledRevision) {
      return Optional.empty();
    }
    return Optional.of(leading.standbyReason().orElse("this Management Layer is taking over; try again"));
  }

  /** Loop thread. No command leaves from now on, and the service stops for good. */
  private void stopCommanding(String why) {
    commanding = false;
    fatalStop.stop(why);
  }

  private void stopCommanding(CorruptLedgerException e) {
    stopCommanding(e.getMessage() + "; a Management Layer that cannot read its epochs must not command");
  }

  /**
   * Elected: decides from scratch, above every epoch any leader recorded, with the configuration
   * in hand; the members' hellos (they connect here now) tell it the modes they run in. Stepped
   * down: every stream and request ends, so the applications and watchers go to the leader.
   */
  private void roleChanged(Leadership.Change change) {
    if (change.role() == Leadership.Role.LEADER) {
      // Every stream begins under a leadership: one accepted before (there should be none) ends, the new controller does not know it.
      endEverything("this Management Layer was elected; say hello again");
      ledRevision = change.revision();
      leaderSince = clock.instant();
      try {
        ledger.refresh();
      } catch (EpochNotRecordedException e) {
        // Epochs issued above a stale highest could repeat ones the previous leader recorded.
        EventLog.emit(LOG, LogEvent.COMMAND_WITHHELD, "epoch", "-", "reason", e.getMessage());
        leading.stepDown(change.revision(), Leadership.StepDown.EPOCHS_UNREAD);
        return;
      } catch (CorruptLedgerException e) {
        stopCommanding(e);
        return;
      }
      controller = new RedundancyController(settings, ledger.highest());
      apply(now -> controller.configure(backupOf, settings, now));
      continueFromKeptPairs();
      EventLog.emit(LOG, LogEvent.LEADER_ELECTED, "epochs_above", ledger.highest());
      metrics.leadershipChanged(Leadership.Role.LEADER.name(), "ELECTED");
      return;
    }
    ledRevision = 0;
    EventLog.emit(LOG, LogEvent.LEADER_STEPPED_DOWN, "cause", change.reason(), "sessions", sessions.size(),
        "watchers", watchers.count());
    metrics.leadershipChanged(Leadership.Role.STANDBY.name(), String.valueOf(change.reason()));
    endEverything(leading.standbyReason().orElse("this Management Layer stepped down"));
    controller = new RedundancyController(settings, ledger.highest());
    publish();
  }

  /** Elected: the pairs carry on from what the previous leader kept of them, if etcd answers. */
  private void continueFromKeptPairs() {
    try {
      kept = new HashMap<>(pairMemories.read());
    } catch (StatusRuntimeException e) {
      kept = new HashMap<>();
      EventLog.emit(LOG, LogEvent.PAIR_STATE_UNAVAILABLE, "pair", "-", "reason",
          "not read: " + e.getStatus() + "; the pairs are decided from the hellos");
    }
    controller.remember(kept);
    publish();
  }

  /** Hands each pair's state to {@link #pairMemories} when its acknowledged primary, epoch or last switchover changed. */
  private void keepPairs() {
    if (ledRevision == 0) {
      return;
    }
    controller.memories().forEach((pair, memory) -> {
      if (!memory.equals(kept.put(pair, memory))) {
        pairMemories.keep(pair, memory, ledRevision);
      }
    });
  }

  /** Ends every supervision stream, switchover request and pair watch with UNAVAILABLE and {@code reason}. */
  private void endEverything(String reason) {
    sessions.values().forEach(s -> s.end(Status.UNAVAILABLE.withDescription(reason)));
    sessions.clear();
    requests.values().forEach(out -> complete(() -> out.onError(Status.UNAVAILABLE.withDescription(reason)
        .asRuntimeException())));
    requests.clear();
    watchers.endAll(Status.UNAVAILABLE.withDescription(reason));
  }

  /** Runs {@code task} on the loop thread. */
  void execute(Runnable task) {
    if (!executor.isShutdown()) {
      // Through Scheduled: a scheduled executor keeps a task's exception in a future nobody reads.
      Scheduled.now(executor, "redundancy loop", task);
    }
  }

  /** Feeds the controller on the loop thread and carries out what it decides. */
  void submit(Function<Instant, List<Action>> input) {
    execute(() -> apply(input));
  }

  // ---- called on the loop thread only ---------------------------------------------------------

  RedundancyController controller() {
    return controller;
  }

  void apply(Function<Instant, List<Action>> input) {
    List<Action> actions = input.apply(decisions.instant());
    // Published before the actions are carried out, so whatever a reply or a log line announces
    // can already be seen in the pair status.
    publish();
    plumbing.withheldEpochs.clear();
    for (Action action : actions) {
      action.dispatch(plumbing);
    }
  }

  /** What a stream the controller ends for {@code cause} is answered with: the status code the cause names. */
  public static Status status(SessionEnd cause, String message) {
    return Status.fromCode(Status.Code.valueOf(cause.code())).withDescription(message);
  }

  /** Carries out the controller's actions on the loop thread. */
  private final class Plumbing implements Action.Handler {
    /**
     * The epochs withheld from a command of the batch being carried out: the others of the same
     * change (a switchover's new primary first, then its old one) are withheld too, so that no
     * member is demoted while its peer was not promoted.
     */
    final Set<Long> withheldEpochs = new HashSet<>();

    @Override
    public void sendMode(Action.SendMode send) {
      if (!commanding) {
        return;
      }
      if (!leading.mayCommand(ledRevision)) {
        withheld(send, "this Management Layer may not command now (its command window is closed)");
        return;
      }
      if (withheldEpochs.contains(send.epoch())) {
        withheld(send, "another command of the same change was withheld");
        return;
      }
      Optional<String> notRecorded = recorded(send.epoch());
      if (notRecorded.isPresent()) {
        withheld(send, notRecorded.get());
        return;
      }
      if (!leading.mayCommand(ledRevision)) {
        withheld(send, "the command window closed while the epoch was recorded");
        return;
      }
      SupervisionSession session = sessions.get(send.session());
      if (session != null) {
        session.sendMode(send.commandId(), send.mode(), send.epoch(), send.reason());
      }
    }

    /**
     * The controller counts a command as sent once it decided it. One that did not leave would be
     * awaited for ever, and nothing sends it again: the member's stream ends instead, so it says
     * hello again and is decided anew, when this Management Layer may command again or by the
     * leader it finds next.
     */
    private void withheld(Action.SendMode send, String reason) {
      withheldEpochs.add(send.epoch());
      // Rate-limited: etcd refusing writes while it renews leases would withhold every hello's command.
      rateLimited.emit(LogEvent.COMMAND_WITHHELD, "application", send.application(), "epoch", send.epoch(),
          "reason", reason);
      SupervisionSession session = sessions.remove(send.session());
      if (session != null) {
        session.end(Status.UNAVAILABLE.withDescription("the Management Layer withheld a mode command (" + reason
            + "); say hello again"));
        submit(now -> controller.disconnected(session.application, session.id, now));
      }
    }

    /**
     * Records a new epoch before any command carries it: empty when done, else why not. A
     * Management Layer whose own disk fails it stops; one over etcd tries again with the next command.
     */
    private Optional<String> recorded(long epoch) {
      if (epoch <= ledger.highest()) {
        return Optional.empty();
      }
      try {
        ledger.record(epoch, ledRevision);
        return Optional.empty();
      } catch (EpochNotRecordedException e) {
        if (ledger instanceof FileEpochLedger) {
          // Its own disk failed it: no later epoch would fare better.
          stopCommanding(e.getMessage() + "; a Management Layer that cannot record its epochs must not command");
        }
        return Optional.of(e.getMessage());
      } catch (CorruptLedgerException e) {
        stopCommanding(e);
        return Optional.of(e.getMessage());
      }
    }

    @Override
    public void sendSettings(Action.SendSettings settings) {
      SupervisionSession session = sessions.get(settings.session());
      if (session != null) {
        session.sendSettings(settings.heartbeatInterval());
      }
    }

    @Override
    public void endSession(Action.EndSession end) {
      SupervisionSession session = sessions.remove(end.session());
      if (session != null) {
        session.end(status(end.cause(), end.message()), end.retryFor());
      }
    }

    @Override
    public void completeRequest(Action.CompleteRequest done) {
      StreamObserver<SwitchoverReply> out = requests.remove(done.requestId());
      if (out != null) {
        complete(() -> {
          out.onNext(done.reply());
          out.onCompleted();
        });
      }
    }

    @Override
    public void log(Action.Log log) {
      if (PER_REQUEST.contains(log.event())) {
        rateLimited.emit(log.event(), log.line().details().toArray());
      } else {
        log.line().emit(LOG);
      }
    }
  }

  void configure(Map<String, String> backupOf, RedundancySettings settings) {
    this.backupOf = Map.copyOf(backupOf);
    this.settings = settings;
    apply(now -> controller.configure(backupOf, settings, now));
  }

  /** A new stream said hello: the controller accepts it (possibly replacing an older one) or refuses it. */
  void register(SupervisionSession session, Arrival arrival) {
    Optional<String> standby = standbyReason();
    if (standby.isPresent()) {
      session.end(Status.UNAVAILABLE.withDescription(standby.get()));
      return;
    }
    sessions.put(session.id, session);
    apply(now -> controller.connected(arrival, now));
  }

  /** A heartbeat on {@code session}, received by the transport at {@code receivedNanos} ({@code System.nanoTime}). */
  void heartbeat(SupervisionSession session, long receivedNanos) {
    submit(now -> controller.heartbeat(session.application, session.id, onClock(receivedNanos, now, System.nanoTime()),
        now));
  }

  /** The pauses of this process the watchdog found since the last tick, on the loop's clock. */
  private List<Pause> pausesUntil(Instant now) {
    long nowNanos = System.nanoTime();
    return pauses.take(nowNanos).stream()
        .map(span -> new Pause(onClock(span.fromNanos(), now, nowNanos), onClock(span.toNanos(), now, nowNanos)))
        .toList();
  }

  /** {@code nanos}, a {@code System.nanoTime} reading, on the loop's clock, which read {@code now} at {@code nowNanos}. */
  private static Instant onClock(long nanos, Instant now, long nowNanos) {
    return now.minusNanos(nowNanos - nanos);
  }

  void unregister(SupervisionSession session) {
    sessions.remove(session.id);
    apply(now -> controller.disconnected(session.application, session.id, now));
  }

  void addRequest(long requestId, StreamObserver<SwitchoverReply> out) {
    requests.put(requestId, out);
  }

  void addWatcher(ServerCallStreamObserver<PairsStatus> watcher, String peer) {
    watchers.add(watcher, peer, currentStatus());
  }

  void removeWatcher(ServerCallStreamObserver<PairsStatus> watcher) {
    watchers.remove(watcher);
  }

  /** A watcher's transport can take more. */
  void watcherReady(ServerCallStreamObserver<PairsStatus> watcher) {
    watchers.ready(watcher);
  }

  PairsStatus currentStatus() {
    LeaderInfo.Builder leader = LeaderInfo.newBuilder().setSince(Timestamps.fromMillis(leaderSince.toEpochMilli()));
    leading.leaseRemaining().ifPresent(left -> leader.setLeaseRemaining(Durations.fromMillis(left.toMillis())));
    return published.toBuilder().setAsOf(Timestamps.fromMillis(clock.millis())).setLeader(leader).build();
  }

  private void publish() {
    PairsStatus status = controller.status(decisions.instant());
    if (status.equals(published)) {
      return;
    }
    published = status;
    keepPairs();
    metrics.observe(status, controller.modeChangesByPair());
    watchers.publish(currentStatus());
  }

  /** Writes to a call that may have been cancelled meanwhile; a cancelled caller no longer cares. */
  private static void complete(Runnable write) {
    try {
      write.run();
    } catch (StatusRuntimeException | IllegalStateException e) {
      LOG.debug("caller gone: {}", e.toString());
    }
  }
}
