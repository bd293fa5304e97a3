package io.tandem.simulation;

import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import io.tandem.config.v1.Application;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ChangeKind;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.ModeCommand;
import io.tandem.stat.v1.ConfigState;
import io.tandem.stat.v1.ServerInfo;
import io.tandem.protocol.reload.Action;
import io.tandem.protocol.reload.PairView;
import io.tandem.protocol.reload.PeerProbe;
import io.tandem.protocol.reload.ReloadOptions;
import io.tandem.protocol.reload.ReloadStateMachine;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A Stat Server process: the real {@link ReloadStateMachine} and {@link PairView}, with the glue
 * the server has around them reproduced step for step — the configuration session of
 * {@code ConfigSync} (one serial worker: snapshot, watch with a generation guard, restore with
 * backoff), the supervision stream of {@code SupervisionClient}, the backup probe of
 * {@code BackupProbe}, and the control loop of {@code ReloadCoordinator} (every input fed to the
 * machine, its actions carried out, a tick every {@link #TICK_MS}).
 */
final class StatServerNode extends Node {
  /** The control loop's tick (the server ticks every 25 ms; the decisions depend on time, not on ticks). */
  static final long TICK_MS = 50;
  private static final long PROBE_DEADLINE_MS = 1_000;
  private static final long POLL_DEADLINE_MS = 2_000;

  final String application;
  private ReloadStateMachine machine;
  private String instanceId = "";
  private PairView pairView;

  private final Map<String, ConfigObject> model = new HashMap<>();
  private final Map<String, Application> applications = new HashMap<>();
  private long lastApplied;

  private long generation;
  private Stream watch;
  private int sessionFailures;
  private boolean syncBusy;
  private final Deque<Runnable> syncQueue = new ArrayDeque<>();

  private Stream supervision;
  private int supervisionFailures;
  private boolean refused;
  /** Consecutive ALREADY_EXISTS refusals, and when the first of them came. */
  private int duplicateRefusals;
  private long refusedSince;

  private boolean probing;
  private long lastEpoch;
  /** When the current protected mode began (-1: not in protected mode). */
  private long protectedSince = -1;
  /** The current protected mode found its backup ready (02-10093) and asked for the handover. */
  private boolean backupFoundReady;
  /**
   * For a reload protected mode covers, when that cover began (-1: not such a reload): the protected
   * mode a handover ends, or the reload itself when a primary reloads although protected mode applies.
   */
  private long handoverReloadOf = -1;

  StatServerNode(String name, String application, World world) {
    super(name, world);
    this.application = application;
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

  long lastApplied() {
    return lastApplied;
  }

  long handoverReloadOf() {
    return machine != null && machine.configState() == ConfigState.RELOADING ? handoverReloadOf : -1;
  }

  /** The objects in hand, applications included, as the Config Server keeps them. */
  Map<String, ConfigObject> objectsInHand() {
    return model;
  }

  // ---- the process -----------------------------------------------------------------------------

  @Override
  void onStart() {
    instanceId = name + "#" + incarnation();
    machine = new ReloadStateMachine(application, world.mutant.statServerFlaws());
    pairView = new PairView(application);
    model.clear();
    applications.clear();
    lastApplied = 0;
    generation = 0;
    watch = null;
    sessionFailures = 0;
    syncBusy = false;
    syncQueue.clear();
    supervision = null;
    supervisionFailures = 0;
    refused = false;
    duplicateRefusals = 0;
    probing = false;
    lastEpoch = 0;
    protectedSince = -1;
    backupFoundReady = false;
    handoverReloadOf = -1;
    apply(machine::start);
    connectSupervision();
    world.after(TICK_MS, this, this::tick);
  }

  private void tick() {
    apply(machine::tick);
    world.after(TICK_MS, this, this::tick);
  }

  /** Feeds the machine one input and carries out its actions, as the control thread does. */
  private void apply(Function<Instant, List<Action>> input) {
    List<Action> actions = input.apply(world.instant());
    if (machine.epoch() < lastEpoch) {
      world.invariants.violate(Invariant.EPOCHS_NEVER_GO_BACK, name + " went from epoch " + lastEpoch + " back to "
          + machine.epoch());
    }
    lastEpoch = machine.epoch();
    if (machine.configState() == ConfigState.DELAYED) {
      protectedSince = protectedSince < 0 ? world.now() : protectedSince;
    }
    for (Action action : actions) {
      action.dispatch(plumbing);
    }
    if (machine.configState() != ConfigState.DELAYED) {
      protectedSince = -1;
    }
  }

  private final Action.Handler plumbing = new Action.Handler() {
    @Override
    public void loadConfiguration(Action.LoadConfiguration action) {
      onSync(() -> loadSnapshot(true));
    }

    @Override
    public void restoreSession(Action.RestoreSession action) {
      onSync(() -> watchFrom(lastApplied, true));
    }

    @Override
    public void closeSession(Action.CloseSession action) {
      onSync(StatServerNode.this::cancelWatch);
    }

    @Override
    public void reload(Action.Reload action) {
      ReloadOptions options = machine.options();
      boolean protectable = machine.mode() == Mode.PRIMARY && !options.standalone() && options.delayIfPrimary()
          && options.peerAcceptsClients() && !action.reason().startsWith("after protected mode");
      handoverReloadOf = backupFoundReady && action.reason().startsWith("after protected mode: switched to backup")
          ? protectedSince : protectable ? world.now() : -1;
      onSync(() -> loadSnapshot(false));
    }

    @Override
    public void probeBackup(Action.ProbeBackup action) {
      probe();
    }

    @Override
    public void pollOptions(Action.PollOptions action) {
      onSync(StatServerNode.this::pollOptions);
    }

    @Override
    public void reportStatus(Action.ReportStatus report) {
      sendToManagement(new Message.Report(report.reportId(), report.status(), report.detail()));
    }

    @Override
    public void acknowledgeMode(Action.AcknowledgeMode ack) {
      if (supervision != null) {
        if (ack.command().getMode() == Mode.PRIMARY) {
          world.invariants.primaryAcknowledged(instanceId, ack.command().getEpoch());
        }
        sendToManagement(new Message.ModeAck(ack.command()));
      }
    }

    @Override
    public void sendHeartbeat(Action.SendHeartbeat heartbeat) {
      sendToManagement(new Message.Heartbeat(heartbeat.epoch()));
    }

    @Override
    public void exit(Action.Exit exit) {
      world.after(0, StatServerNode.this, () -> crash("exits: " + exit.reason()));
    }

    @Override
    public void log(Action.Log log) {
      if (log.event() == LogEvent.PROTECTED_MODE_STARTED) {
        backupFoundReady = false;
      } else if (log.event() == LogEvent.BACKUP_READY) {
        backupFoundReady = true;
      }
      if (world.trace.enabled()) {
        world.trace.note(world.now(), name, EventLog.format(log.line().event(), log.line().details().toArray()));
      }
    }
  };

  // ---- the configuration session (ConfigSync) ----------------------------------------------------

  /** Runs {@code work} on the session's one worker: after the load in progress, if there is one. */
  private void onSync(Runnable work) {
    if (syncBusy) {
      syncQueue.add(work);
    } else {
      work.run();
    }
  }

  private void syncDone() {
    syncBusy = false;
    while (!syncBusy && !syncQueue.isEmpty()) {
      syncQueue.poll().run();
    }
  }

  private void loadSnapshot(boolean initial) {
    cancelWatch();
    syncBusy = true;
    long began = world.now();
    world.network.call(this, world.configServer, world.configServer::accept, new Message.SnapshotRequest(), 0,
        // Streaming the snapshot and building the model beside the one in use.
        reply -> world.after(world.reloadMillis(this), this, () -> loaded((Message.Snapshot) reply, world.now() - began)),
        why -> loadFailed(initial, why));
  }

  private void loaded(Message.Snapshot snapshot, long millis) {
    model.clear();
    applications.clear();
    snapshot.objects().values().forEach(object -> {
      model.put(object.getName(), object);
      if (object.getType() == ObjectType.APPLICATION) {
        applications.put(object.getName(), object.getApplication());
      }
    });
    lastApplied = snapshot.head();
    sessionFailures = 0;
    PairView.Peer peer = pairView.read(applications);
    apply(now -> machine.optionsChanged(peer.options(), now));
    apply(now -> machine.loaded(snapshot.objects().size(), millis, now));
    watchFrom(snapshot.head(), false);
    syncDone();
  }

  private void loadFailed(boolean initial, String cause) {
    if (initial) {
      long myGeneration = generation;
      world.after(backoff(++sessionFailures), this, () -> {
        if (generation == myGeneration) {
          loadSnapshot(true);
        }
      });
      syncBusy = false;
      syncDone();
      return;
    }
    apply(now -> machine.reloadFailed(cause, now));
    syncDone();
  }

  private void watchFrom(long after, boolean restoring) {
    cancelWatch();
    long myGeneration = generation;
    boolean[] established = new boolean[1];
    boolean[] over = new boolean[1];
    long[] replayed = new long[1];
    Stream stream = world.network.open(this, world.configServer, world.configServer::accept);
    watch = stream;
    stream.clientEnd = new Stream.End() {
      @Override
      public void receive(Message message) {
        if (generation != myGeneration || over[0]) {
          return;
        }
        if (message instanceof Message.Changes changes) {
          applyChanges(changes.events());
          if (!established[0]) {
            replayed[0] += changes.events().size();
          }
        } else if (message instanceof Message.Progress progress) {
          checkNothingSkipped(progress.head());
          lastApplied = Math.max(lastApplied, progress.head());
          if (!established[0]) {
            established[0] = true;
            sessionFailures = 0;
            if (restoring) {
              apply(now -> machine.sessionRestored(after, progress.head(), replayed[0], now));
            }
          }
        } else if (message instanceof Message.Expired expired) {
          over[0] = true;
          watch = null;
          apply(now -> machine.historyExpired(expired.requestedAfter(), expired.oldestRetained(), expired.head(), now));
        } else {
          throw new IllegalStateException(name + " got " + message + " on its watch");
        }
      }

      @Override
      public void ended(String why) {
        if (generation != myGeneration || over[0]) {
          return;
        }
        over[0] = true;
        watch = null;
        if (established[0] || !restoring) {
          apply(now -> machine.connectionLost(why, now));
          return;
        }
        world.after(backoff(++sessionFailures), StatServerNode.this, () -> {
          if (generation == myGeneration) {
            watchFrom(lastApplied, true);
          }
        });
      }
    };
    world.network.send(stream, this, new Message.WatchRequest(after));
  }

  private void applyChanges(List<ChangeEvent> events) {
    boolean applicationsChanged = false;
    for (ChangeEvent event : events) {
      if (event.getEventId() != lastApplied + 1) {
        world.invariants.violate(Invariant.CHANGES_APPLIED_EXACTLY_ONCE, name + " at event " + lastApplied
            + " was given event " + event.getEventId() + (event.getEventId() <= lastApplied ? " again" : ": "
            + world.configServer.objectChangesBetween(lastApplied, event.getEventId() - 1) + " changes skipped"));
      }
      ConfigObject object = event.getObject();
      if (event.getKind() == ChangeKind.DELETED) {
        model.remove(object.getName());
      } else {
        model.put(object.getName(), object);
      }
      if (object.getType() == ObjectType.APPLICATION) {
        applicationsChanged = true;
        applications.put(object.getName(), object.getApplication());
      }
      lastApplied = event.getEventId();
    }
    if (applicationsChanged) {
      PairView.Peer peer = pairView.read(applications);
      apply(now -> machine.optionsChanged(peer.options(), now));
    }
  }

  /** A watch's progress moves the position to the head: nothing that changed an object may lie between. */
  private void checkNothingSkipped(long head) {
    long skipped = world.configServer.objectChangesBetween(lastApplied, head);
    if (head > lastApplied && skipped > 0) {
      world.invariants.violate(Invariant.CHANGES_APPLIED_EXACTLY_ONCE, name + " at event " + lastApplied
          + " was moved to the head " + head + ": " + skipped + " changes skipped");
    }
  }

  private void cancelWatch() {
    generation++;
    if (watch != null) {
      world.network.finish(watch, this, "CANCELLED");
      watch = null;
    }
  }

  private void pollOptions() {
    world.network.call(this, world.configServer, world.configServer::accept, new Message.ApplicationsRequest(false),
        POLL_DEADLINE_MS, reply -> {
          Map<String, Application> apps = ((Message.Applications) reply).applications();
          if (apps.containsKey(application)) {
            applications.put(application, apps.get(application));
          }
          String peer = pairView.peerOf(applications);
          if (!peer.isEmpty() && apps.containsKey(peer)) {
            applications.put(peer, apps.get(peer));
          }
          PairView.Peer view = pairView.read(applications);
          apply(now -> machine.optionsChanged(view.options(), now));
        }, why -> { });
  }

  // ---- the backup probe (BackupProbe) ------------------------------------------------------------

  private void probe() {
    if (probing) {
      return; // one probe at a time, as the probe's single thread runs them
    }
    StatServerNode peer = machine.options().peer().isEmpty() ? null
        : world.clientAddressOf(machine.options().peer());
    if (peer == null) {
      apply(now -> machine.probed(PeerProbe.notReady("the backup has no client port in its Application object"), now));
      return;
    }
    probing = true;
    world.network.call(this, peer, peer::acceptProbe, new Message.ProbeRequest(), PROBE_DEADLINE_MS, reply -> {
      probing = false;
      apply(now -> machine.probed(((Message.ProbeReply) reply).probe(), now));
    }, why -> {
      probing = false;
      apply(now -> machine.probed(PeerProbe.notReady(peer.name + " " + why), now));
    });
  }

  /** This server's client port, asked by its peer's probe: health, then server info. */
  Stream.End acceptProbe(Stream stream) {
    return new Stream.End() {
      @Override
      public void receive(Message message) {
        PeerProbe probe;
        if (machine.notServingReason() != null) {
          probe = PeerProbe.notReady(name + " NOT_SERVING (" + machine.notServingReason() + ")");
        } else {
          probe = PeerProbe.serving(name, ServerInfo.newBuilder().setApplication(application)
              .setConfigState(machine.configState()).setLastEventId(lastApplied).setRole(machine.role())
              .setReloadMode(machine.reloadMode()).setEpoch(machine.epoch()).build());
        }
        world.network.send(stream, StatServerNode.this, new Message.ProbeReply(probe));
        world.network.finish(stream, StatServerNode.this, "OK");
      }

      @Override
      public void ended(String why) {}
    };
  }

  // ---- supervision (SupervisionClient) -----------------------------------------------------------

  private void connectSupervision() {
    if (refused) {
      return;
    }
    Stream stream = world.network.open(this, world.management, world.management::accept);
    supervision = stream;
    stream.clientEnd = new Stream.End() {
      @Override
      public void receive(Message message) {
        duplicateRefusals = 0; // taken: whatever it says
        if (message instanceof Message.Command command) {
          supervisionFailures = 0;
          ModeCommand mode = command.command();
          if (world.trace.enabled()) {
            world.trace.note(world.now(), name, "<- mode " + mode.getMode() + " epoch " + mode.getEpoch()
                + " (" + mode.getReason() + ")");
          }
          apply(now -> machine.modeCommand(mode, now));
        } else if (message instanceof Message.StatusAck ack) {
          supervisionFailures = 0;
          apply(now -> machine.statusDelivered(ack.reportId(), now));
        } else if (message instanceof Message.Settings settings) {
          apply(now -> machine.heartbeatInterval(settings.heartbeatInterval(), now));
        } else {
          throw new IllegalStateException(name + " got " + message + " from the Management Layer");
        }
      }

      @Override
      public void ended(String why) {
        if (supervision == stream) {
          supervision = null;
        }
        if (why.startsWith("ALREADY_EXISTS")) {
          // Asked again for as long as the refusal says: the other instance may only look alive.
          if (duplicateRefusals++ == 0) {
            refusedSince = world.now();
          }
          if (world.now() - refusedSince < world.parameters.management().duplicateRetryWindow().toMillis()) {
            apply(now -> machine.managementLost(why, now));
            world.after(refusedBackoff(duplicateRefusals), StatServerNode.this, StatServerNode.this::connectSupervision);
            return;
          }
        }
        if (why.startsWith("ALREADY_EXISTS") || why.startsWith("PERMISSION_DENIED")) {
          refused = true;
          apply(now -> machine.supervisionRefused(why, now));
          return;
        }
        apply(now -> machine.managementLost(why, now));
        world.after(backoff(++supervisionFailures), StatServerNode.this, StatServerNode.this::connectSupervision);
      }
    };
    world.network.send(stream, this, new Message.Hello(application, instanceId, machine.mode(), machine.epoch()));
    apply(machine::managementConnected);
  }

  private void sendToManagement(Message message) {
    if (supervision != null) {
      world.network.send(supervision, this, message);
    }
  }

  /** Asking again after ALREADY_EXISTS: 250 ms doubling to 2 s, 20 % jitter. */
  private long refusedBackoff(int refusals) {
    long base = Math.min(2_000, 250L << Math.min(refusals - 1, 10));
    return (long) (base * (0.8 + 0.4 * world.random.nextDouble()));
  }

  /** The reconnect backoff of the server's clients: 50 ms doubling to 500 ms, 20 % jitter. */
  private long backoff(int failures) {
    long base = Math.min(500, 50L << Math.min(failures - 1, 10));
    return (long) (base * (0.8 + 0.4 * world.random.nextDouble()));
  }
}
