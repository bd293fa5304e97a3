package io.tandem.statserver.reload;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tandem.common.bootstrap.FatalStop;
import io.tandem.common.bootstrap.HealthState;
import io.tandem.common.bootstrap.Link;
import io.tandem.common.bootstrap.ManagedService;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.concurrent.ExecutorStop;
import io.tandem.common.concurrent.Scheduled;
import io.tandem.common.grpc.Channels;
import io.tandem.protocol.link.HostPort;
import io.tandem.protocol.log.LogLine;
import io.tandem.common.retry.Backoff;
import io.tandem.common.security.TransportSecurity;
import io.tandem.common.supervision.SupervisionClient;
import io.tandem.config.v1.HistoryLogExpired;
import io.tandem.management.v1.ModeCommand;
import io.tandem.protocol.health.Availability;
import io.tandem.protocol.reload.Action;
import io.tandem.protocol.reload.PairView;
import io.tandem.protocol.reload.ReloadStateMachine;
import io.tandem.stat.v1.ConfigState;
import io.tandem.stat.v1.ReloadMode;
import io.tandem.stat.v1.Role;
import io.tandem.stat.v1.ServerInfo;
import io.tandem.stat.v1.ServingChange;
import io.tandem.statserver.api.ServerInfoSource;
import io.tandem.statserver.settings.StatServerSettings;
import io.tandem.statserver.stats.ProducerSummary;
import io.tandem.statserver.stats.StatisticsEngine;
import io.tandem.statserver.sync.ConfigSync;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link ReloadStateMachine}: one control thread feeds it everything that happens
 * (configuration session, Management Layer, backup probes, time) and carries out its actions.
 * After every input it sets the client port's health from the machine, and ends open statistic
 * streams when the server stops accepting clients, so their clients move to the other member.
 *
 * <p>What it runs on and talks to besides the configuration session and the engine comes in its
 * {@link Surroundings}: a server's own thread, clock and gRPC links, or the simulator's virtual
 * time and network, where this same coordinator is driven through seeded faults.
 */
public final class ReloadCoordinator implements ManagedService, ConfigSync.SyncListener, ServerInfoSource {
  private static final Logger LOG = LoggerFactory.getLogger(ReloadCoordinator.class);
  private static final long TICK_MS = 25;
  private static final int SERVING_CHANGES_KEPT = 64;

  private final StatServerSettings settings;
  private final Surroundings surroundings;
  private final Clock clock;
  private final ConfigSync sync;
  private final StatisticsEngine engine;
  private final HealthState health;
  private final ReloadStateMachine machine;
  private final ScheduledExecutorService control;
  private final BackupProbe probe;
  private final String instanceId;
  private final Plumbing plumbing = new Plumbing();
  private SupervisionClient supervision;
  /**
   * The other member of the pair, name and client port from the same read of the configuration:
   * published as one, so a probe during a rename never pairs one peer's name with the other's address.
   */
  private volatile PeerMember peer = PeerMember.NONE;
  private volatile ServerInfo info = ServerInfo.getDefaultInstance();
  /** What {@link #info} and health were last set from; on the control thread. */
  private Standing standing;
  /** The latest changes of serving or not, for GetServerInfo; on the control thread. */
  private final Deque<ServingChange> servingChanges = new ArrayDeque<>();

  private final StatServerMetrics metrics;
  /** Since when the configuration session has been lost (or not yet loaded); null while it is up. */
  private volatile Instant configDownSince;
  /** Since when the supervision stream has been broken (or not yet opened); null while it is open. */
  private volatile Instant managementDownSince;

  /**
   * What the coordinator runs on and talks to.
   *
   * @param control a single-threaded executor: the machine is fed and its actions carried out on it
   * @param clock the time the machine is fed
   * @param jitter draws the supervision client's backoff jitter
   * @param machine the decisions
   * @param instanceId this process start, as its hellos to the Management Layer carry it
   * @param supervision the way to the Management Layer
   * @param probe asks the backup how it stands
   * @param log where the machine's log lines go
   * @param fatalStop stops the process for good, with the reason
   * @param release what to let go of once stopped (the Management Layer's channel)
   */
  public record Surroundings(ScheduledExecutorService control, Clock clock, RandomGenerator jitter,
      ReloadStateMachine machine, String instanceId, SupervisionClient.Transport supervision, BackupProbe probe,
      Consumer<LogLine> log, Consumer<String> fatalStop, Runnable release) {

    /** A server's: a thread of its own, gRPC to the Management Layer and the backup, the machine's lines to its log. */
    static Surroundings ofServer(StatServerSettings settings, Clock clock, FatalStop fatalStop,
        TransportSecurity security) {
      List<ManagedChannel> management = settings.management().stream()
          .map(address -> Channels.openForNonBlockingCallbacks(address, settings.managementIdentity(), security)).toList();
      return new Surroundings(Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("reload-control")),
          clock, Backoff.THREAD_LOCAL_RANDOM, new ReloadStateMachine(settings.application()),
          SupervisionClient.newInstanceId(),
          SupervisionClient.following(settings.management(), management, settings.application()),
          new BackupProbe(security), line -> line.emit(LOG), fatalStop::stop,
          () -> management.forEach(channel -> Channels.close(channel, Duration.ofSeconds(1))));
    }
  }

  @Inject
  public ReloadCoordinator(StatServerSettings settings, Clock clock, ConfigSync sync, StatisticsEngine engine,
      HealthState health, FatalStop fatalStop, TransportSecurity security, PrometheusRegistry registry) {
    this(settings, sync, engine, health, registry, Surroundings.ofServer(settings, clock, fatalStop, security));
  }

  public ReloadCoordinator(StatServerSettings settings, ConfigSync sync, StatisticsEngine engine, HealthState health,
      PrometheusRegistry registry, Surroundings surroundings) {
    this.metrics = new StatServerMetrics(registry, engine, sync);
    this.settings = settings;
    this.surroundings = surroundings;
    this.control = surroundings.control();
    this.clock = surroundings.clock();
    this.machine = surroundings.machine();
    this.instanceId = surroundings.instanceId();
    this.probe = surroundings.probe();
    this.sync = sync;
    this.engine = engine;
    this.health = health;
    sync.setListener(this);
  }

  @Override
  public void start() {
    managementDownSince = clock.instant();
    supervision = new SupervisionClient(surroundings.supervision(), settings.application(), instanceId,
        "localhost:" + settings.port(), new SupervisionClient.Listener() {
          @Override
          public void onConnected() {
            managementDownSince = null;
            apply(machine::managementConnected);
          }

          @Override
          public void onDisconnected(Status status) {
            if (managementDownSince == null) {
              managementDownSince = clock.instant();
            }
            apply(now -> machine.managementLost(status.getCode() + ": " + status.getDescription(), now));
          }

          @Override
          public void onModeCommand(ModeCommand command) {
            apply(now -> machine.modeCommand(command, now));
          }

          @Override
          public void onStatusDelivered(long reportId) {
            apply(now -> machine.statusDelivered(reportId, now));
          }

          @Override
          public void onHeartbeatInterval(Duration interval) {
            apply(now -> machine.heartbeatInterval(interval, now));
          }

          @Override
          public void onRefused(Status status) {
            apply(now -> machine.supervisionRefused(status.getCode() + ": " + status.getDescription(), now));
          }
        }, () -> new SupervisionClient.Standing(machine.mode(), machine.epoch()), control, clock,
        surroundings.jitter());
    control.execute(() -> apply(machine::start));
    supervision.start();
    Scheduled.repeat(control, "reload tick", Duration.ofMillis(TICK_MS), Duration.ofMillis(TICK_MS), () -> apply(machine::tick));
  }

  @Override
  public void stop() throws InterruptedException {
    control.execute(() -> {
      apply(machine::stopping);
      supervision.close();
    });
    ExecutorStop.stop(control, "reload-control", Duration.ofSeconds(2));
    probe.close();
    surroundings.release().run();
  }

  @Override
  public String name() {
    return "reload coordinator";
  }

  /** What GetServerInfo answers. */
  @Override
  public ServerInfo serverInfo() {
    ProducerSummary producers = engine.producers();
    return info.toBuilder()
        .setLastEventId(sync.lastApplied())
        .setObjects(engine.objects())
        .setOpenStatistics(engine.openStatistics())
        .setEventsApplied(engine.eventsApplied())
        .setEventsUnknownObject(engine.eventsUnknown())
        .addAllProducers(producers.mostRecent())
        .setProducersRemembered(producers.remembered())
        .setProducersForgotten(producers.forgottenIdle())
        .setFeedHeldBytes(engine.heldBytes())
        .build();
  }

  // ---- inputs from the configuration session (sync thread) ------------------------------------

  @Override
  public void loaded(long objects, long millis) {
    submit(now -> machine.loaded(objects, millis, now));
  }

  @Override
  public void reloadFailed(String cause) {
    submit(now -> machine.reloadFailed(cause, now));
  }

  @Override
  public void connectionLost(String cause) {
    submit(now -> machine.connectionLost(cause, now));
  }

  @Override
  public void sessionRestored(long fromEventId, long toEventId, long replayed) {
    submit(now -> machine.sessionRestored(fromEventId, toEventId, replayed, now));
  }

  @Override
  public void historyExpired(HistoryLogExpired expired) {
    submit(now -> machine.historyExpired(expired.getRequestedAfterEventId(), expired.getOldestRetainedEventId(),
        expired.getHeadEventId(), now));
  }

  @Override
  public void pairChanged(PairView.Peer pair) {
    peer = new PeerMember(pair.options().peer(), pair.peerAddress());
    engine.setReloadFeedBuffer(pair.reloadFeedBuffer());
    submit(now -> machine.optionsChanged(pair.options(), now));
  }

  /** The configuration session, as the status file reports it: down while lost, and until the first load. */
  public Link configServerLink() {
    return link("config-server", () -> configDownSince);
  }

  /** The supervision stream, as the status file reports it. */
  public Link managementLink() {
    return link("management-layer", () -> managementDownSince);
  }

  private static Link link(String name, Supplier<Instant> downSince) {
    return new Link() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Optional<Instant> downSince() {
        return Optional.ofNullable(downSince.get());
      }
    };
  }

  /** Whether {@code identity} is this server or, as the configuration says now, its peer. */
  public boolean isPairMember(String identity) {
    String peerName = peer.name();
    return identity.equals(settings.application()) || (!peerName.isEmpty() && identity.equals(peerName));
  }

  /** The other member of a pair: its name ("" for none) and client port (null when its Application has none). */
  private record PeerMember(String name, HostPort address) {
    static final PeerMember NONE = new PeerMember("", null);
  }

  // ---- the control thread --------------------------------------------------------------------

  /** An input for the machine from another thread; once the service stopped, inputs are dropped. */
  private void submit(Function<Instant, List<Action>> input) {
    ExecutorStop.executeUnlessStopped(control, () -> apply(input));
  }

  private void apply(Function<Instant, List<Action>> input) {
    List<Action> actions = input.apply(clock.instant());
    // Published before the actions are carried out, so whatever a log line or a status report
    // announces can already be seen in health and GetServerInfo.
    updateReadiness();
    metrics.observe(machine);
    ConfigState state = machine.configState();
    if (state == ConfigState.LOADING || state == ConfigState.DISCONNECTED) {
      if (configDownSince == null) {
        configDownSince = clock.instant();
      }
    } else {
      configDownSince = null;
    }
    for (Action action : actions) {
      action.dispatch(plumbing);
    }
  }

  /** Carries out the machine's actions, on the control thread. */
  private final class Plumbing implements Action.Handler {
    @Override
    public void loadConfiguration(Action.LoadConfiguration action) {
      sync.load();
    }

    @Override
    public void restoreSession(Action.RestoreSession action) {
      sync.restore();
    }

    @Override
    public void closeSession(Action.CloseSession action) {
      sync.close();
    }

    @Override
    public void reload(Action.Reload action) {
      sync.reload();
    }

    @Override
    public void probeBackup(Action.ProbeBackup backup) {
      PeerMember member = peer;
      probe.probe(member.name(), member.address(), result -> submit(now -> machine.probed(result, now)));
    }

    @Override
    public void pollOptions(Action.PollOptions action) {
      sync.pollOptions();
    }

    @Override
    public void reportStatus(Action.ReportStatus report) {
      supervision.report(report.reportId(), report.status(), report.detail());
    }

    @Override
    public void acknowledgeMode(Action.AcknowledgeMode ack) {
      supervision.acknowledge(ack.command());
    }

    @Override
    public void sendHeartbeat(Action.SendHeartbeat heartbeat) {
      supervision.heartbeat(heartbeat.epoch());
    }

    @Override
    public void exit(Action.Exit exit) {
      surroundings.fatalStop().accept(exit.reason());
    }

    @Override
    public void log(Action.Log log) {
      surroundings.log().accept(log.line());
    }
  }

  /** What health and GetServerInfo say of the machine: they change only when this does. */
  private record Standing(Availability availability, String notServingReason, Role role,
      ReloadMode reloadMode, ConfigState configState, long reloadCount, long lastReloadMillis, String backup,
      long epoch) {
    boolean serving() {
      return notServingReason == null;
    }

    static Standing of(ReloadStateMachine machine) {
      return new Standing(machine.availability(), machine.notServingReason(), machine.role(), machine.reloadMode(),
          machine.configState(), machine.reloadCount(), machine.lastReloadMillis(), machine.options().peer(),
          machine.epoch());
    }
  }

  private void updateReadiness() {
    // Most inputs (a tick, a probe's answer) change nothing that health or GetServerInfo say.
    Standing before = standing;
    Standing now = Standing.of(machine);
    if (now.equals(before)) {
      return;
    }
    standing = now;
    boolean wasServing = before != null && before.serving();
    String reason = now.notServingReason();
    boolean nowServing = now.serving();
    long beforeTurn = clock.millis();
    health.set(now.availability(), nowServing ? "accepting clients as " + now.role() : reason);
    // Health turns at once (calls are admitted or refused from then), then tells its watchers, which
    // can take a while on a busy machine. A stop is timed before the turn and a start after it: the
    // record can only show a serving span shorter than it was, so no dark span hides in it.
    long atMs = nowServing ? clock.millis() : beforeTurn;
    // The serving changes in the answer to GetServerInfo (up to SERVING_CHANGES_KEPT messages) are
    // copied into it only when one was added.
    ServerInfo.Builder next = info.toBuilder();
    if (nowServing != wasServing || servingChanges.isEmpty()) {
      if (servingChanges.size() == SERVING_CHANGES_KEPT) {
        servingChanges.removeFirst();
      }
      servingChanges.addLast(ServingChange.newBuilder().setAtMs(atMs).setServing(nowServing)
          .setReason(nowServing ? "" : reason).build());
      next.clearServingChanges().addAllServingChanges(servingChanges);
    }
    if (wasServing && !nowServing) {
      engine.failAll(Status.UNAVAILABLE.withDescription(reason));
    }
    info = next
        .setApplication(settings.application())
        .setRole(now.role())
        .setReloadMode(now.reloadMode())
        .setConfigState(now.configState())
        .setReloadCount(now.reloadCount())
        .setLastReloadMs(now.lastReloadMillis())
        .setServing(nowServing)
        .setNotServingReason(nowServing ? "" : reason)
        .setBackup(now.backup())
        .setEpoch(now.epoch())
        .setInstanceId(instanceId)
        .build();
  }
}
