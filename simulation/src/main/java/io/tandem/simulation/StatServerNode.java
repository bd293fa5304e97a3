package io.tandem.simulation;

import io.grpc.Metadata;
import io.grpc.Status;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tandem.common.bootstrap.HealthState;
import io.tandem.common.security.ServerIdentity;
import io.tandem.protocol.link.HostPort;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogLine;
import io.tandem.config.v1.ConfigObject;
import io.tandem.stat.v1.ConfigState;
import io.tandem.statserver.settings.StatServerSettings;
import io.tandem.statserver.reload.BackupProbe;
import io.tandem.protocol.reload.PeerProbe;
import io.tandem.statserver.reload.ReloadCoordinator;
import io.tandem.protocol.reload.ReloadStateMachine;
import io.tandem.statserver.stats.StatisticsEngine;
import io.tandem.statserver.sync.ConfigSync;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * A Stat Server process: the server's own {@link ConfigSync}, {@link ReloadCoordinator} (with its
 * {@link ReloadStateMachine}, {@link BackupProbe} and supervision client) and statistics engine,
 * each of its threads a {@link VirtualExecutor}, its links to the Config Server, the Management
 * Layers (following the leader among several) and its peer over the simulated network. Its client
 * port answers the peer's probe from
 * the coordinator's health and server info, as a server's does. The engine is not started: its
 * tick serves open statistics, and no client opens any here.
 */
final class StatServerNode extends Node {
  private static final HostPort CONFIG_SERVER = HostPort.local(2020);

  /**
   * What a Stat Server process talks to besides the time, the network and the trace.
   *
   * @param managements every Management Layer, as {@code --management} lists them
   * @param clientPorts the process listening at an address now (null: none)
   * @param loadMillis how long streaming and building a snapshot takes for an application, drawn for each
   * @param random the run's generator (the backoffs' jitter)
   */
  record Surroundings(ConfigServerNode configServer, List<ManagementNode> managements,
      Function<HostPort, StatServerNode> clientPorts, ToLongFunction<String> loadMillis, Random random,
      Invariants invariants, Mutant mutant) {}

  final String application;
  private final HostPort clientPort;
  private final Surroundings around;
  private ReloadStateMachine machine;
  private ConfigSync sync;
  private HealthState health;
  private ReloadCoordinator coordinator;
  private ModelInHand model;

  StatServerNode(String name, String application, HostPort clientPort, VirtualTime time, Network network,
      Trace trace, Surroundings around) {
    super(name, time, network, trace);
    this.application = application;
    this.clientPort = clientPort;
    this.around = around;
  }

  HostPort clientPort() {
    return clientPort;
  }

  // ---- what the invariants read ----------------------------------------------------------------

  ReloadStateMachine machine() {
    return machine;
  }

  /** Accepting clients: up (not frozen) and the machine says so. */
  boolean serving() {
    return isUp() && machine != null && machine.notServingReason() == null;
  }

  /** Has a configuration in hand it could serve (not loading, not reloading). */
  boolean hasConfiguration() {
    ConfigState state = machine == null ? ConfigState.CONFIG_STATE_UNSPECIFIED : machine.configState();
    return state == ConfigState.SYNCED || state == ConfigState.DISCONNECTED || state == ConfigState.DELAYED;
  }

  /** The configuration session's position: the last change applied, or the head a watch said it is at. */
  long lastApplied() {
    return sync == null ? 0 : sync.lastApplied();
  }

  /** The model in use's position: the last change actually applied to it. */
  long modelPosition() {
    return model == null ? 0 : model.lastApplied();
  }

  /** For a reload the pair must serve through, since when (ms into the run); -1 otherwise. */
  long handoverReloadOf() {
    return machine == null ? -1 : machine.reloadUnderWay().filter(r -> r.coveredSince() != null)
        .map(r -> time.now() - Duration.between(r.coveredSince(), time.instant()).toMillis()).orElse(-1L);
  }

  /** The objects in hand, applications included, as the Config Server keeps them. */
  Map<String, ConfigObject> objectsInHand() {
    return model.objects();
  }

  // ---- the process -----------------------------------------------------------------------------

  @Override
  void onStart() {
    String instanceId = name + "#" + incarnation();
    Clock clock = time.clock();
    VirtualExecutor syncThread = VirtualExecutor.blocking(time, this, "config-sync");
    VirtualExecutor probeThread = VirtualExecutor.blocking(time, this, "backup-probe");
    VirtualExecutor control = VirtualExecutor.of(time, this);
    StatisticsEngine engine = new StatisticsEngine(clock, VirtualExecutor.of(time, this));
    model = new ModelInHand(instanceId, engine, syncThread.carrier(), around.configServer(), around.invariants());
    SimulatedConfigSource source = new SimulatedConfigSource(this, around.configServer(), syncThread,
        () -> around.loadMillis().applyAsLong(application), model::served);
    StatServerSettings settings = new StatServerSettings(application, clientPort.port(), List.of(CONFIG_SERVER),
        around.managements().stream().map(ManagementNode::address).toList(),
        ServerIdentity.of(ServerIdentity.CONFIG_SERVER), ServerIdentity.of(ServerIdentity.MANAGEMENT_LAYER));
    sync = new ConfigSync(settings, model, s -> source, syncThread, clock, around.random());
    machine = new ReloadStateMachine(application, around.mutant().statServerFlaws());
    health = new HealthState();
    coordinator = new ReloadCoordinator(settings, sync, engine, health, new PrometheusRegistry(),
        new ReloadCoordinator.Surroundings(around.mutant().ticksOnce() ? control.runningPeriodicTasksOnce() : control,
            clock, around.random(), machine, instanceId,
            new SimulatedSupervision(this, instanceId, around.managements(), around.invariants()),
            new BackupProbe(probeThread, new SimulatedProbe(this, probeThread.carrier(), around.clientPorts())),
            this::note, reason -> time.after(0, this, () -> crash("exits: " + reason)), () -> { }));
    sync.start();
    coordinator.start();
  }

  private void note(LogLine line) {
    if (trace.enabled()) {
      trace.note(time.now(), name, EventLog.format(line.event(), line.details().toArray()));
    }
  }

  /** This process's client port, asked by its peer's probe: health, then server info. */
  Stream.End acceptProbe(Stream stream) {
    return new Stream.End() {
      @Override
      public void receive(Message message) {
        PeerProbe probe = health.serving() ? PeerProbe.serving(clientPort.toString(), coordinator.serverInfo())
            : PeerProbe.notReady(clientPort + " NOT_SERVING");
        network.send(stream, StatServerNode.this, new Message.ProbeReply(probe));
        network.finish(stream, StatServerNode.this);
      }

      @Override
      public void ended(Status status, Metadata trailers) {}
    };
  }
}
