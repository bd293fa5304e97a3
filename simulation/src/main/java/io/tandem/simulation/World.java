package io.tandem.simulation;

import io.tandem.protocol.options.OptionCatalogue;
import io.tandem.protocol.time.ManualClock;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;

/**
 * One run: a Config Server, a Management Layer and a pair of Stat Servers on one thread and
 * virtual time, every choice drawn from the run's seed. A step is one scheduled event; the
 * invariants are checked after each. Faults strike during {@link #FAULT_WINDOW_MS}; then every
 * fault is healed and the world must settle (liveness) within {@link #QUIET_LIMIT_MS}.
 */
final class World {
  static final String A = "StatServer_A";
  static final String B = "StatServer_B";
  static final String MANAGEMENT = "ManagementLayer";
  static final String CONFIG_SERVER = "ConfigServer";
  static final long FAULT_WINDOW_MS = 30_000;
  static final long QUIET_LIMIT_MS = 120_000;
  static final int MAX_FAULTS = 8;
  private static final int AGENTS = 20;
  private static final Instant ORIGIN = Instant.parse("2026-01-01T00:00:00Z");

  /** How a run ended. */
  record Outcome(Invariants.Violation violation, long steps, long endedAtMs, List<Fault> faults, List<String> trace) {}

  private record Scheduled(long at, long seq, Node node, long incarnation, Runnable task) {}

  final long seed;
  final Parameters parameters;
  final Random random;
  final Mutant mutant;
  final Trace trace;
  final Network network;
  final Invariants invariants;
  final ConfigServerNode configServer;
  final ManagementNode management;
  private final Map<String, Node> nodes = new LinkedHashMap<>();
  private final List<StatServerNode> statServers = new ArrayList<>();
  private final List<Fault> faults;
  private final PriorityQueue<Scheduled> queue = new PriorityQueue<>(
      (x, y) -> x.at != y.at ? Long.compare(x.at, y.at) : Long.compare(x.seq, y.seq));
  private final Map<String, Long> slowReloadsUntil = new HashMap<>();
  private final ManualClock clock = new ManualClock(ORIGIN);
  private long now;
  private long sequence;
  private long steps;
  private long lastFaultAt = -1;
  private boolean quiet;

  /**
   * The world of {@code seed}; {@code keep} names the faults of its schedule that strike (null:
   * all of them), so that a shrunk schedule replays exactly.
   */
  World(long seed, Mutant mutant, Set<Integer> keep, boolean tracing) {
    this.seed = seed;
    this.mutant = mutant;
    Random plan = new Random(seed);
    this.parameters = Parameters.draw(plan);
    List<Fault> drawn = Fault.schedule(plan, FAULT_WINDOW_MS, MAX_FAULTS);
    this.faults = keep == null ? drawn : drawn.stream().filter(f -> keep.contains(f.index())).toList();
    this.random = new Random(seed * 0x9E3779B97F4A7C15L + 1);
    this.trace = new Trace(tracing);
    this.network = new Network(this);
    this.invariants = new Invariants(this);
    this.configServer = new ConfigServerNode(this, initialConfiguration());
    this.management = new ManagementNode(this);
    nodes.put(configServer.name, configServer);
    nodes.put(management.name, management);
    for (String member : List.of(A, B)) {
      StatServerNode node = new StatServerNode(member, member, this);
      nodes.put(member, node);
      statServers.add(node);
    }
  }

  /** The full schedule {@code seed} draws (what {@code --keep} picks from). */
  static List<Fault> schedule(long seed) {
    Random plan = new Random(seed);
    Parameters.draw(plan);
    return Fault.schedule(plan, FAULT_WINDOW_MS, MAX_FAULTS);
  }

  // ---- time and scheduling -----------------------------------------------------------------------

  long now() {
    return now;
  }

  Instant instant() {
    return clock.instant();
  }

  Clock clock() {
    return clock;
  }

  long steps() {
    return steps;
  }

  long lastFaultAt() {
    return lastFaultAt;
  }

  /** Runs {@code task} after {@code delayMs} for the current incarnation of {@code node} (any time when null). */
  void after(long delayMs, Node node, Runnable task) {
    at(now + delayMs, node, node == null ? 0 : node.incarnation(), task);
  }

  void at(long time, Node node, long incarnation, Runnable task) {
    queue.add(new Scheduled(time, ++sequence, node, incarnation, task));
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

  /**
   * The process a peer's probe reaches at {@code application}'s client address: the one started
   * last among those running (a duplicate started on the same host takes the address over).
   */
  StatServerNode clientAddressOf(String application) {
    StatServerNode reached = null;
    for (StatServerNode node : statServers) {
      if (node.application.equals(application) && node.isRunning()
          && (reached == null || node.startedAt() > reached.startedAt())) {
        reached = node;
      }
    }
    return reached == null ? statServer(application) : reached;
  }

  long reloadMillis(StatServerNode node) {
    if (slowReloadsUntil.getOrDefault(node.application, -1L) > now) {
      return 3_000 + random.nextInt(7_000);
    }
    return parameters.minReloadMs() + random.nextInt((int) (parameters.maxReloadMs() - parameters.minReloadMs() + 1));
  }

  // ---- the run -----------------------------------------------------------------------------------

  Outcome run(long maxSteps) {
    after(0, null, configServer::start);
    after(random.nextInt(200), null, management::start);
    for (StatServerNode member : List.copyOf(statServers)) {
      after(random.nextInt(300), null, member::start);
    }
    for (Fault fault : faults) {
      at(fault.atMs(), null, 0, () -> strike(fault));
    }
    scheduleWrite();
    at(FAULT_WINDOW_MS, null, 0, this::healEverything);
    long nextSettledCheck = FAULT_WINDOW_MS;
    while (!queue.isEmpty() && steps < maxSteps) {
      Scheduled next = queue.poll();
      if (next.at > now) {
        clock.advance(Duration.ofMillis(next.at - now));
        now = next.at;
      }
      steps++;
      if (next.node == null) {
        next.task.run();
      } else {
        next.node.deliver(next.incarnation, next.task);
      }
      invariants.check();
      if (invariants.violation() != null) {
        break;
      }
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
    return new Outcome(invariants.violation(), steps, now, faults, trace.lines());
  }

  /** Why the world has not settled yet, or null once it has. */
  private String unsettled() {
    if (!configServer.isUp() || management.readySince() < 0) {
      return "the Config Server or the Management Layer is not up";
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
          duplicate = new StatServerNode(name, fault.target(), this);
          nodes.put(name, duplicate);
          statServers.add(duplicate);
        }
        duplicate.start();
      }
      case RESTART_MANAGEMENT -> {
        management.crash("restarted");
        healLater(duration, management::start);
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
        if (management.isUp()) {
          management.switchover(A);
        }
      }
      case CUT_LINK -> {
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
    }
  }

  /** The end of a fault is a change of the world too: it counts as a fault for the invariants' excuses. */
  private void healLater(long delayMs, Runnable heal) {
    after(delayMs, null, () -> {
      if (!quiet) {
        lastFaultAt = now;
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
    lastFaultAt = now;
    trace.note(now, "WORLD", "faults end: every process runs, every link heals");
    slowReloadsUntil.clear();
    network.healAll();
    configServer.start();
    management.start();
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
    long next = now + 1 + random.nextInt((int) (2 * parameters.writeEveryMs()));
    if (next >= FAULT_WINDOW_MS) {
      return;
    }
    at(next, null, 0, () -> {
      if (configServer.isUp()) {
        String agent = "Agent_" + random.nextInt(AGENTS);
        configServer.write(ConfigObject.newBuilder().setType(ObjectType.AGENT).setName(agent)
            .setAgent(Agent.newBuilder().setEmployeeId(agent + "@" + now)).build());
      }
      scheduleWrite();
    });
  }

  private List<ConfigObject> initialConfiguration() {
    List<ConfigObject> objects = new ArrayList<>();
    objects.add(application(A, B, parameters.acceptClientsA(), 7001));
    objects.add(application(B, "", parameters.acceptClientsB(), 7002));
    for (int i = 0; i < AGENTS; i++) {
      objects.add(ConfigObject.newBuilder().setType(ObjectType.AGENT).setName("Agent_" + i)
          .setAgent(Agent.newBuilder().setEmployeeId("Agent_" + i)).build());
    }
    return objects;
  }

  private ConfigObject application(String name, String backup, boolean acceptClients, int port) {
    OptionSection statserver = OptionSection.newBuilder()
        .putValues(OptionCatalogue.CONFIG_RELOAD_DELAY_IF_PRIMARY.key(), String.valueOf(parameters.delayIfPrimary()))
        .putValues(OptionCatalogue.ACCEPT_CLIENTS_IN_BACKUP_MODE.key(), String.valueOf(acceptClients))
        .putValues(OptionCatalogue.BACKUP_CHECK_INTERVAL.key(), parameters.backupCheckIntervalMs() + "ms")
        .putValues(OptionCatalogue.PROTECTED_MODE_MAX_DURATION.key(), parameters.protectedModeMaxDurationS() + "s")
        .build();
    return ConfigObject.newBuilder().setType(ObjectType.APPLICATION).setName(name)
        .setApplication(Application.newBuilder().setAppType(ApplicationType.STAT_SERVER).setHost("localhost")
            .setClientPort(port).setBackup(backup).putOptions(OptionCatalogue.STATSERVER, statserver))
        .build();
  }
}
