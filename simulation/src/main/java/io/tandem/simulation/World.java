package io.tandem.simulation;

import io.tandem.protocol.link.HostPort;
import io.tandem.protocol.options.OptionCatalogue;
import io.tandem.config.v1.Agent;
import io.tandem.config.v1.Application;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.OptionSection;
import io.tandem.management.v1.MemberStatus;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.PairStatus;
import io.tandem.stat.v1.ConfigState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * One run: a Config Server, a Management Layer (or two over etcd) and a pair of Stat Servers on
 * one thread and virtual time, every choice drawn from the run's seed. A step is one scheduled
 * event; the invariants are checked after each. Faults strike during {@link #FAULT_WINDOW_MS};
 * then every fault is healed and the world must settle (liveness) within {@link #QUIET_LIMIT_MS}.
 */
final class World {
  static final String A = "StatServer_A";
  static final String B = "StatServer_B";
  static final String MANAGEMENT = "ManagementLayer";
  static final String CONFIG_SERVER = "ConfigServer";
  static final String ETCD = "etcd";
  static final long FAULT_WINDOW_MS = 30_000;
  static final long QUIET_LIMIT_MS = 120_000;
  static final int MAX_FAULTS = 8;
  private static final int AGENTS = 20;
  private static final Map<String, HostPort> CLIENT_PORTS = Map.of(A, HostPort.local(7001), B, HostPort.local(7002));

  /** Who supervises the pair. */
  enum Layout {
    /** One Management Layer: it always leads, and keeps its epochs on its disk. */
    ONE_MANAGEMENT_LAYER("one"),
    /** Two over etcd: one leads on a lease, the other stands by. */
    TWO_OVER_ETCD("two");

    /** As {@code --layout} names it. */
    final String id;

    Layout(String id) {
      this.id = id;
    }

    static Layout byId(String id) {
      for (Layout layout : values()) {
        if (layout.id.equals(id)) {
          return layout;
        }
      }
      throw new IllegalArgumentException("--layout: no layout named '" + id + "'; known: one, two");
    }

    /** Their names, in the order the Stat Servers are given them. */
    List<String> managementLayers() {
      return this == ONE_MANAGEMENT_LAYER ? List.of(MANAGEMENT) : List.of(MANAGEMENT + "-1", MANAGEMENT + "-2");
    }

    /** Every node a link fault may cut or slow. */
    List<String> nodes() {
      List<String> nodes = new ArrayList<>(List.of(A, B));
      nodes.addAll(managementLayers());
      nodes.add(CONFIG_SERVER);
      if (this == TWO_OVER_ETCD) {
        nodes.add(ETCD);
      }
      return nodes;
    }
  }

  /** How a run ended. */
  record Outcome(Invariants.Violation violation, long steps, long endedAtMs, List<Fault> faults, List<String> trace) {}

  final long seed;
  final Parameters parameters;
  final Random random;
  final Mutant mutant;
  final VirtualTime time;
  final Trace trace;
  final Network network;
  final Invariants invariants;
  /** {@code leader-lease} of the Management Layers over etcd; zero with one. */
  final Duration leaderLease;
  final ConfigServerNode configServer;
  /** Null with one Management Layer. */
  final EtcdNode etcd;
  final List<ManagementNode> managements = new ArrayList<>();
  private final StatServerNode.Surroundings statServerSurroundings;
  private final Map<String, Node> nodes = new LinkedHashMap<>();
  private final List<StatServerNode> statServers = new ArrayList<>();
  private final List<Fault> faults;
  private final Map<String, Long> slowReloadsUntil = new HashMap<>();
  private long steps;
  private long lastFaultAt = -1;
  private boolean quiet;

  /**
   * The world of {@code seed}; {@code keep} names the faults of its schedule that strike (null:
   * all of them), so that a shrunk schedule replays exactly.
   */
  World(long seed, Layout layout, Mutant mutant, Set<Integer> keep, boolean tracing) {
    this(seed, layout, mutant, keep, tracing, new Random(seed * 0x9E3779B97F4A7C15L + 5).nextBoolean());
  }

  /**
   * As above, with {@code serve-during-reload} given rather than drawn: a schedule found before the
   * option existed replays as it was found (without it).
   */
  World(long seed, Layout layout, Mutant mutant, Set<Integer> keep, boolean tracing, boolean serveDuringReload) {
    this.seed = seed;
    this.mutant = mutant;
    Random plan = new Random(seed);
    this.parameters = Parameters.draw(plan).withServeDuringReload(serveDuringReload);
    Duration lease = layout == Layout.ONE_MANAGEMENT_LAYER ? Duration.ZERO : Parameters.leaderLease(plan);
    this.leaderLease = lease;
    List<Fault> drawn = schedule(seed, plan, layout, lease.toMillis());
    this.faults = keep == null ? drawn : drawn.stream().filter(f -> keep.contains(f.index())).toList();
    this.random = new Random(seed * 0x9E3779B97F4A7C15L + 1);
    this.time = new VirtualTime(seed);
    this.trace = new Trace(tracing);
    this.network = new Network(time, random, parameters.minDelayMs(), parameters.maxDelayMs());
    this.invariants = new Invariants(this);
    this.configServer = new ConfigServerNode(time, network, trace, parameters.historyMaxRecords(),
        mutant.restoresPurgedPositions(), initialConfiguration());
    this.etcd = layout == Layout.ONE_MANAGEMENT_LAYER ? null : new EtcdNode(time, network, trace);
    for (int i = 0; i < layout.managementLayers().size(); i++) {
      managements.add(new ManagementNode(layout.managementLayers().get(i), HostPort.local(2030 + i), time, network,
          trace, configServer, parameters.management(), mutant.managementFlaws(),
          new Random(seed * 0x9E3779B97F4A7C15L + 2 + 2L * i),
          etcd == null ? null : new ManagementNode.OverEtcd(etcd, lease, mutant, invariants)));
    }
    this.statServerSurroundings = new StatServerNode.Surroundings(configServer, managements, this::listeningAt,
        this::reloadMillis, random, invariants, mutant);
    nodes.put(configServer.name, configServer);
    if (etcd != null) {
      nodes.put(etcd.name, etcd);
    }
    managements.forEach(management -> nodes.put(management.name, management));
    for (String member : List.of(A, B)) {
      addStatServer(member, member);
    }
  }

  private StatServerNode addStatServer(String name, String application) {
    StatServerNode node = new StatServerNode(name, application, CLIENT_PORTS.get(application), time, network, trace,
        statServerSurroundings);
    nodes.put(name, node);
    statServers.add(node);
    return node;
  }

  /** The full schedule {@code seed} draws in {@code layout}'s world (what {@code --keep} picks from). */
  static List<Fault> schedule(long seed, Layout layout) {
    Random plan = new Random(seed);
    Parameters.draw(plan);
    long leaseMs = layout == Layout.ONE_MANAGEMENT_LAYER ? 0 : Parameters.leaderLease(plan).toMillis();
    return schedule(seed, plan, layout, leaseMs);
  }

  /** The faults {@code plan} draws, then those drawn from streams of their own, numbered after them. */
  private static List<Fault> schedule(long seed, Random plan, Layout layout, long leaseMs) {
    List<Fault> faults = new ArrayList<>(Fault.schedule(plan, FAULT_WINDOW_MS, MAX_FAULTS, layout, leaseMs));
    faults.addAll(Fault.epochsUnreadable(new Random(seed * 0x9E3779B97F4A7C15L + 7), faults.size(), FAULT_WINDOW_MS,
        layout, leaseMs));
    return List.copyOf(faults);
  }

  // ---- time -----------------------------------------------------------------------------------------

  long now() {
    return time.now();
  }

  long steps() {
    return steps;
  }

  long lastFaultAt() {
    return lastFaultAt;
  }

  private void after(long delayMs, Runnable task) {
    time.after(delayMs, null, task);
  }

  private void at(long at, Runnable task) {
    time.at(at, null, 0, task);
  }

  // ---- who is here -------------------------------------------------------------------------------

  Node node(String name) {
    return nodes.get(name);
  }

  /** Every Stat Server process, duplicates included. */
  List<StatServerNode> statServers() {
    return statServers;
  }

  StatServerNode statServer(String name) {
    return nodes.get(name) instanceof StatServerNode node ? node : null;
  }

  List<ManagementNode> managements() {
    return managements;
  }

  private ManagementNode management(String name) {
    return (ManagementNode) nodes.get(name);
  }

  /**
   * The Management Layer that decides for the pairs: the only one; among several, the one that
   * leads and is ready (the latest leadership, should a deposed one still think it leads), or null.
   */
  ManagementNode inCharge() {
    if (etcd == null) {
      return managements.get(0);
    }
    ManagementNode leader = null;
    for (ManagementNode management : managements) {
      if (management.readySince() >= 0 && (leader == null || management.ledRevision() > leader.ledRevision())) {
        leader = management;
      }
    }
    return leader;
  }

  /**
   * The process a probe reaches at {@code address}: the one started last among those running
   * there (a duplicate started on the same host takes the address over), else the member whose
   * address it is, down (the call is refused).
   */
  private StatServerNode listeningAt(HostPort address) {
    StatServerNode reached = null;
    StatServerNode owner = null;
    for (StatServerNode node : statServers) {
      if (node.clientPort().equals(address)) {
        owner = owner == null ? node : owner;
        if (node.isRunning() && (reached == null || node.startedAt() > reached.startedAt())) {
          reached = node;
        }
      }
    }
    return reached == null ? owner : reached;
  }

  /** How long a snapshot of {@code application}'s takes to stream and build, drawn now. */
  private long reloadMillis(String application) {
    if (slowReloadsUntil.getOrDefault(application, -1L) > time.now()) {
      return 3_000L + random.nextInt(7_000);
    }
    return parameters.minReloadMs() + random.nextInt((int) (parameters.maxReloadMs() - parameters.minReloadMs() + 1));
  }

  // ---- the run -----------------------------------------------------------------------------------

  /** The pair's world, then the Config Servers over a shared log under the same seed ({@link SharedLogWorld}). */
  Outcome run(long maxSteps) {
    Outcome outcome;
    try {
      outcome = runUpTo(maxSteps);
    } finally {
      nodes.values().forEach(Node::release);
    }
    if (outcome.violation() != null) {
      return outcome;
    }
    Invariants.Violation sharedLog = new SharedLogWorld(seed, mutant).run();
    if (sharedLog != null) {
      trace.note(time.now(), "INVARIANT", sharedLog.describe());
      return new Outcome(sharedLog, outcome.steps() + sharedLog.step(), outcome.endedAtMs(), faults, trace.lines());
    }
    return outcome;
  }

  private Outcome runUpTo(long maxSteps) {
    after(0, configServer::start);
    if (etcd != null) {
      after(0, etcd::start);
    }
    for (ManagementNode management : managements) {
      after(random.nextInt(200), management::start);
    }
    for (StatServerNode member : List.copyOf(statServers)) {
      after(random.nextInt(300), member::start);
    }
    for (Fault fault : faults) {
      at(fault.atMs(), () -> strike(fault));
    }
    scheduleWrite();
    at(FAULT_WINDOW_MS, this::healEverything);
    long nextSettledCheck = FAULT_WINDOW_MS;
    while (!time.idle() && steps < maxSteps) {
      time.step();
      steps++;
      invariants.check();
      if (invariants.violation() != null) {
        break;
      }
      long now = time.now();
      if (quiet && now >= nextSettledCheck) {
        nextSettledCheck = now + 100;
        String unsettled = unsettled();
        if (unsettled == null) {
          trace.note(now, "WORLD", "settled: every member at the head " + configServer.head() + ", one primary serving");
          break;
        }
        if (now > FAULT_WINDOW_MS + QUIET_LIMIT_MS) {
          boolean stuckProtected = statServers.stream()
              .anyMatch(s -> s.isUp() && s.machine().configState() == ConfigState.DELAYED);
          invariants.violate(stuckProtected ? Invariant.PROTECTED_MODE_HAS_A_WAY_OUT : Invariant.RELOADS_TO_HEAD,
              (QUIET_LIMIT_MS / 1000) + " s after the last fault: " + unsettled);
          break;
        }
      }
    }
    return new Outcome(invariants.violation(), steps, time.now(), faults, trace.lines());
  }

  /** Why the world has not settled yet, or null once it has. */
  private String unsettled() {
    ManagementNode management = inCharge();
    if (!configServer.isUp() || management == null || management.readySince() < 0) {
      return "the Config Server or the Management Layer is not up";
    }
    if (managements.stream().filter(m -> m.readySince() >= 0).count() > 1) {
      return "more than one Management Layer leads";
    }
    int primaries = 0;
    boolean serving = false;
    for (StatServerNode member : statServers) {
      if (!member.isRunning()) {
        continue;
      }
      if (member.machine().configState() != ConfigState.SYNCED || member.lastApplied() != configServer.head()) {
        return member.name + " is " + member.machine().configState() + " at event " + member.lastApplied()
            + ", the head is " + configServer.head();
      }
      if (!member.objectsInHand().equals(configServer.objects())) {
        return member.name + " is at the head but its objects differ from the Config Server's";
      }
      primaries += member.machine().mode() == Mode.PRIMARY ? 1 : 0;
      serving |= member.serving();
    }
    for (String application : List.of(A, B)) {
      if (statServers.stream().noneMatch(s -> s.application.equals(application) && s.isRunning())) {
        return "no process of " + application + " runs";
      }
    }
    for (PairStatus pair : management.status().getPairsList()) {
      for (MemberStatus member : pair.getMembersList()) {
        if (!member.getConnected() || !member.getModeAcknowledged()) {
          return member.getApplication() + " is " + (member.getConnected() ? "connected" : "not connected")
              + " with mode " + member.getMode() + (member.getModeAcknowledged() ? "" : " not acknowledged");
        }
      }
    }
    if (primaries != 1 || !serving) {
      return primaries + " members run as primary, " + (serving ? "some" : "none") + " serving";
    }
    return null;
  }

  // ---- faults --------------------------------------------------------------------------------------

  private void strike(Fault fault) {
    long now = time.now();
    lastFaultAt = now;
    trace.note(now, "FAULT", fault.describe());
    long duration = fault.durationMs();
    switch (fault.kind()) {
      case CRASH_STAT_SERVER -> {
        StatServerNode member = statServer(fault.target());
        member.crash("killed");
        healLater(duration, member::start);
      }
      case FREEZE_STAT_SERVER -> {
        StatServerNode member = statServer(fault.target());
        member.freeze();
        healLater(duration, member::thaw);
      }
      case DUPLICATE_STAT_SERVER -> {
        String name = fault.target() + "'";
        StatServerNode duplicate = statServer(name);
        if (duplicate == null) {
          duplicate = addStatServer(name, fault.target());
        }
        duplicate.start();
      }
      case RESTART_MANAGEMENT -> {
        ManagementNode management = management(fault.target());
        management.crash("restarted");
        healLater(duration, management::start);
      }
      case FREEZE_MANAGEMENT -> {
        ManagementNode management = management(fault.target());
        management.freeze();
        network.frozen(management);
        healLater(duration, () -> thaw(management));
      }
      case ETCD_OUTAGE -> {
        etcd.crash("outage");
        healLater(duration, etcd::start);
      }
      case CONFIG_SERVER_OUTAGE -> {
        configServer.crash("outage");
        healLater(duration, configServer::start);
      }
      case CONFIG_SERVER_RESTART_WITHOUT_HISTORY -> {
        configServer.loseHistoryOnNextStart();
        configServer.crash("restarted");
        healLater(duration, configServer::start);
      }
      case PURGE_HISTORY -> {
        if (configServer.isUp()) {
          configServer.expireHistory();
        }
      }
      case DROP_SESSIONS -> {
        if (configServer.isUp()) {
          configServer.dropSessions();
        }
      }
      case FLIP_DELAY_IF_PRIMARY -> flipOption(fault.target(), OptionCatalogue.CONFIG_RELOAD_DELAY_IF_PRIMARY.key());
      case FLIP_ACCEPT_CLIENTS -> flipOption(fault.target(), OptionCatalogue.ACCEPT_CLIENTS_IN_BACKUP_MODE.key());
      case MANUAL_SWITCHOVER -> {
        // The command asks each in turn; a standby refuses it.
        for (ManagementNode management : managements) {
          if (management.isUp() && management.switchover(A)) {
            break;
          }
        }
      }
      case CUT_LINK, CUT_FROM_ETCD -> {
        Node a = node(fault.target());
        Node b = node(fault.other());
        network.cut(a, b);
        healLater(duration, () -> network.heal(a, b));
      }
      case SLOW_LINK -> {
        Node a = node(fault.target());
        Node b = node(fault.other());
        network.slowDown(a, b);
        healLater(duration, () -> network.speedUp(a, b));
      }
      case SLOW_RELOADS -> slowReloadsUntil.put(fault.target(), now + duration);
      case EPOCHS_UNREADABLE -> {
        ManagementNode refused = management(fault.target());
        etcd.refuseEpochReads(refused);
        healLater(duration, () -> etcd.readEpochsAgain(refused));
        // A leader in charge would keep the key from it: the other is restarted for half the time,
        // so the refused one campaigns alone, then against one that can lead.
        ManagementNode leader = inCharge();
        if (leader != null && leader != refused) {
          leader.crash("restarted");
          healLater(duration / 2, leader::start);
        }
      }
    }
  }

  private void thaw(ManagementNode management) {
    network.thawed(management);
    management.thaw();
  }

  /** The end of a fault is a change of the world too: it counts as a fault for the invariants' excuses. */
  private void healLater(long delayMs, Runnable heal) {
    after(delayMs, () -> {
      if (!quiet) {
        lastFaultAt = time.now();
        heal.run();
      }
    });
  }

  private void flipOption(String application, String key) {
    if (!configServer.isUp()) {
      return;
    }
    ConfigObject app = configServer.objects().get(application);
    Map<String, String> values = new HashMap<>(
        app.getApplication().getOptionsOrDefault(OptionCatalogue.STATSERVER, OptionSection.getDefaultInstance())
            .getValuesMap());
    values.put(key, String.valueOf(!Boolean.parseBoolean(values.getOrDefault(key, "true"))));
    configServer.write(app.toBuilder().setApplication(app.getApplication().toBuilder()
        .putOptions(OptionCatalogue.STATSERVER, OptionSection.newBuilder().putAllValues(values).build())).build());
  }

  /** The end of the faults: everything restarts, thaws and heals; from now on the world must settle. */
  private void healEverything() {
    quiet = true;
    lastFaultAt = time.now();
    trace.note(time.now(), "WORLD", "faults end: every process runs, every link heals");
    slowReloadsUntil.clear();
    network.healAll();
    configServer.start();
    if (etcd != null) {
      etcd.start();
      managements.forEach(etcd::readEpochsAgain);
    }
    for (ManagementNode management : managements) {
      management.start();
      thaw(management);
    }
    for (StatServerNode member : statServers) {
      member.thaw();
    }
    for (String application : List.of(A, B)) {
      if (statServers.stream().noneMatch(s -> s.application.equals(application) && s.isRunning())) {
        statServer(application).start();
      }
    }
  }

  // ---- traffic -------------------------------------------------------------------------------------

  /** Configuration writes while the faults run: agents change, as they do all day. */
  private void scheduleWrite() {
    long next = time.now() + 1 + random.nextInt((int) (2 * parameters.writeEveryMs()));
    if (next >= FAULT_WINDOW_MS) {
      return;
    }
    at(next, () -> {
      if (configServer.isUp()) {
        String agent = "Agent_" + random.nextInt(AGENTS);
        configServer.write(ConfigObject.newBuilder().setType(ObjectType.AGENT).setName(agent)
            .setAgent(Agent.newBuilder().setEmployeeId(agent + "@" + time.now())).build());
      }
      scheduleWrite();
    });
  }

  private List<ConfigObject> initialConfiguration() {
    List<ConfigObject> objects = new ArrayList<>();
    objects.add(application(A, B, parameters.acceptClientsA()));
    objects.add(application(B, "", parameters.acceptClientsB()));
    for (int i = 0; i < AGENTS; i++) {
      objects.add(ConfigObject.newBuilder().setType(ObjectType.AGENT).setName("Agent_" + i)
          .setAgent(Agent.newBuilder().setEmployeeId("Agent_" + i)).build());
    }
    return objects;
  }

  private ConfigObject application(String name, String backup, boolean acceptClients) {
    HostPort clientPort = CLIENT_PORTS.get(name);
    OptionSection statserver = OptionSection.newBuilder()
        .putValues(OptionCatalogue.CONFIG_RELOAD_DELAY_IF_PRIMARY.key(), String.valueOf(parameters.delayIfPrimary()))
        .putValues(OptionCatalogue.ACCEPT_CLIENTS_IN_BACKUP_MODE.key(), String.valueOf(acceptClients))
        .putValues(OptionCatalogue.SERVE_DURING_RELOAD.key(), String.valueOf(parameters.serveDuringReload()))
        .putValues(OptionCatalogue.BACKUP_CHECK_INTERVAL.key(), parameters.backupCheckIntervalMs() + "ms")
        .putValues(OptionCatalogue.PROTECTED_MODE_MAX_DURATION.key(), parameters.protectedModeMaxDurationS() + "s")
        .build();
    return ConfigObject.newBuilder().setType(ObjectType.APPLICATION).setName(name)
        .setApplication(Application.newBuilder().setAppType(ApplicationType.STAT_SERVER)
            .setHost(clientPort.host()).setClientPort(clientPort.port()).setBackup(backup).putOptions(OptionCatalogue.STATSERVER, statserver))
        .build();
  }
}
