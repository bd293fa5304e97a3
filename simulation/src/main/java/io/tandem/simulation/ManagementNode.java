package io.tandem.simulation;

import io.grpc.Metadata;
import io.grpc.Status;
import io.tandem.common.supervision.DuplicateRefusal;
import io.tandem.config.v1.Application;
import io.tandem.management.leader.Leading;
import io.tandem.management.supervision.RedundancyLoop;
import io.tandem.management.v1.Hello;
import io.tandem.management.v1.ModeAck;
import io.tandem.management.v1.ModeCommand;
import io.tandem.management.v1.PairsStatus;
import io.tandem.management.v1.StatusAck;
import io.tandem.management.v1.StatusReport;
import io.tandem.management.v1.SupervisionCommand;
import io.tandem.management.v1.SupervisionMessage;
import io.tandem.management.v1.SupervisionSettings;
import io.tandem.protocol.leadership.Leadership;
import io.tandem.protocol.link.HostPort;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import io.tandem.protocol.redundancy.Action;
import io.tandem.protocol.redundancy.Arrival;
import io.tandem.protocol.redundancy.RedundancyController;
import io.tandem.protocol.redundancy.RedundancySettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A Management Layer: the real {@link RedundancyController}, fed as {@code RedundancyLoop} feeds
 * it — the pairs from the Config Server's Applications (followed live), one supervision session
 * per stream, status acknowledged after the controller has it, a tick 50 ms after the previous
 * one's work. A restart starts a new controller that knows nothing.
 *
 * <p>Alone it always leads ({@link Leading#alone}) and keeps its epochs on its disk. Among several
 * over etcd it leads while its {@link Election} says so, with the loop's rules: elected, it reads
 * the {@link EtcdLedger} and starts a new controller above it; stepped down, it ends every stream
 * with {@code UNAVAILABLE} and refuses hellos so; a command leaves only while it may command, a new
 * epoch recorded first and the window asked again after. While the loop waits on etcd its inputs
 * queue behind, as behind the real loop's one thread.
 */
final class ManagementNode extends Node {
  private static final long TICK_MS = RedundancyController.TICK_PERIOD.toMillis();
  private static final int TICK_WORK_MAX_MS = 2;
  private static final long FOLLOW_RETRY_MS = 500;

  /**
   * What a Management Layer among several needs: etcd, the lease it campaigns for, the mutant
   * that commands past its deadline, and the invariants that watch every command leave.
   */
  record OverEtcd(EtcdNode etcd, Duration lease, Mutant mutant, Invariants invariants) {}

  private final HostPort address;
  private final ConfigServerNode configServer;
  private final RedundancySettings settings;
  private final Set<RedundancyController.Flaw> flaws;
  /** How long each tick's work takes: drawn apart from the world's other choices. */
  private final Random tickWork;
  /** Null when it runs alone. */
  private final OverEtcd overEtcd;
  /** Alone, the ledger on its disk, which outlives restarts; over etcd, one per process start. */
  private Ledger ledger;
  private Leading leading;
  private RedundancyController controller;
  private final Map<Long, Session> sessions = new HashMap<>();
  private long sessionIds;
  private long requestIds;
  /** The configuration last given, so a newly elected leader starts from it. */
  private Map<String, String> backupOf = Map.of();
  /** The leadership the loop acts under, as the role changes reached it (0: standing by). */
  private long ledRevision;
  /** When it last became able to decide (started and given the pairs); -1 until then. */
  private long readySince = -1;
  /** When the loop last took the lead (-1: it stands by). */
  private long leadingSince = -1;
  /** Whether the loop waits on etcd; what reaches it meanwhile queues. */
  private boolean waiting;
  private final ArrayDeque<Runnable> queued = new ArrayDeque<>();
  /** RedundancyLoop's: the epochs withheld from a command of the batch being carried out. */
  private final Set<Long> withheldEpochs = new HashSet<>();

  private record Session(long id, String application, Stream stream) {}

  ManagementNode(String name, HostPort address, VirtualTime time, Network network, Trace trace,
      ConfigServerNode configServer, RedundancySettings settings, Set<RedundancyController.Flaw> flaws,
      Random tickWork, OverEtcd overEtcd) {
    super(name, time, network, trace);
    this.address = address;
    this.configServer = configServer;
    this.settings = settings;
    this.flaws = flaws;
    this.tickWork = tickWork;
    this.overEtcd = overEtcd;
    this.ledger = overEtcd == null ? new Ledger.OnDisk() : null;
  }

  HostPort address() {
    return address;
  }

  /** Since when it could decide for the pairs: up, given the pairs and leading; -1 otherwise. */
  long readySince() {
    return isUp() && readySince >= 0 && leadingSince >= 0 && standbyReason().isEmpty()
        ? Math.max(readySince, leadingSince) : -1;
  }

  /** Whether it has read the pairs from the Config Server since it started: until then it does not campaign. */
  boolean configured() {
    return readySince >= 0;
  }

  /** The leadership its loop acts under: the leader key's creation revision (0: standing by). */
  long ledRevision() {
    return ledRevision;
  }

  PairsStatus status() {
    return controller.status(time.instant());
  }

  @Override
  void onStart() {
    sessions.clear();
    queued.clear();
    waiting = false;
    readySince = -1;
    backupOf = Map.of();
    if (overEtcd == null) {
      leading = Leading.alone();
    } else {
      Election election = new Election(this, overEtcd.etcd(), () -> readySince < 0 ? null : overEtcd.lease(),
          overEtcd.mutant());
      ledger = new EtcdLedger(this, overEtcd.etcd(), election::fenced);
      leading = election;
      // As RedundancyLoop hears of changes: on its own thread, after what it does now.
      election.onChange(change -> time.after(0, this, () -> onLoop(() -> roleChanged(change))));
      election.start();
    }
    ledRevision = leading.revision();
    leadingSince = ledRevision == 0 ? -1 : time.now();
    controller = new RedundancyController(RedundancySettings.DEFAULTS, flaws, ledger.highest());
    follow();
    time.after(TICK_MS, this, this::tick);
  }

  // ---- the loop's one thread ---------------------------------------------------------------------

  /** An input of the loop: it runs now, or after what the loop waits on etcd for. */
  private void onLoop(Runnable input) {
    if (waiting) {
      queued.add(input);
    } else {
      input.run();
    }
  }

  /** After the loop's wait on etcd: what queued meanwhile runs, until it waits again. */
  private void drain() {
    while (!waiting && !queued.isEmpty()) {
      queued.poll().run();
    }
  }

  /** The loop ticks with a fixed delay: the next tick comes a period after this one's work, 0–2 ms. */
  private void tick() {
    onLoop(() -> apply(controller::tick,
        () -> time.after(TICK_MS + tickWork.nextInt(TICK_WORK_MAX_MS + 1), this, this::tick)));
  }

  private void apply(Function<Instant, List<Action>> input) {
    apply(input, () -> { });
  }

  /** Feeds the controller and carries out its actions; then {@code then}, once they are, after any wait on etcd. */
  private void apply(Function<Instant, List<Action>> input, Runnable then) {
    withheldEpochs.clear();
    carryOut(input.apply(time.instant()).iterator(), then);
  }

  private void carryOut(Iterator<Action> actions, Runnable then) {
    while (actions.hasNext()) {
      Action action = actions.next();
      if (action instanceof Action.SendMode send) {
        if (sendMode(send, () -> carryOut(actions, then))) {
          return;
        }
      } else {
        action.dispatch(plumbing);
      }
    }
    then.run();
  }

  /**
   * RedundancyLoop's {@code sendMode}: only while it may command under the leadership it acts
   * under; a new epoch is recorded first, and the window asked again once it is; a command that
   * may not leave ends the member's stream ({@link #withheld}). True when it waits on etcd, and
   * {@code rest} runs once it is back.
   */
  private boolean sendMode(Action.SendMode send, Runnable rest) {
    if (!leading.mayCommand(ledRevision)) {
      withheld(send, "this Management Layer may not command now (its command window is closed)");
      return false;
    }
    if (withheldEpochs.contains(send.epoch())) {
      withheld(send, "another command of the same change was withheld");
      return false;
    }
    if (send.epoch() <= ledger.highest()) {
      command(send);
      return false;
    }
    waiting = true;
    ledger.record(send.epoch(), ledRevision, recorded -> {
      waiting = false;
      if (!recorded) {
        withheld(send, "its epoch was not recorded");
      } else if (leading.mayCommand(ledRevision)) {
        command(send);
      } else {
        withheld(send, "the command window closed while the epoch was recorded");
      }
      rest.run();
      drain();
    });
    return true;
  }

  /** RedundancyLoop's {@code withheld}: the member's stream ends, and the controller hears of it after this input. */
  private void withheld(Action.SendMode send, String reason) {
    withheldEpochs.add(send.epoch());
    note(EventLog.format(LogEvent.COMMAND_WITHHELD, "application", send.application(), "epoch", send.epoch(),
        "reason", reason));
    Session session = sessions.remove(send.session());
    if (session != null) {
      network.finish(session.stream(), this, Status.UNAVAILABLE.withDescription("the Management Layer withheld a"
          + " mode command (" + reason + "); say hello again"), new Metadata());
      time.after(0, this, () -> onLoop(() -> apply(now -> controller.disconnected(session.application(), session.id(),
          now))));
    }
  }

  private void command(Action.SendMode send) {
    Session session = sessions.get(send.session());
    if (session != null) {
      if (overEtcd != null) {
        overEtcd.invariants().commandLeaves(this, ledRevision);
      }
      send(session.stream(), SupervisionCommand.newBuilder().setMode(ModeCommand.newBuilder()
          .setCommandId(send.commandId()).setMode(send.mode()).setEpoch(send.epoch()).setReason(send.reason()))
          .build());
    }
  }

  /**
   * Elected: decides from scratch, above every epoch any leader recorded, with the configuration in
   * hand. Stepped down: every stream ends, so the applications go to the leader.
   */
  private void roleChanged(Leadership.Change change) {
    if (change.role() == Leadership.Role.LEADER) {
      overEtcd.invariants().elected(this);
      endEverything("this Management Layer was elected; say hello again");
      ledRevision = change.revision();
      waiting = true;
      ledger.refresh(read -> {
        waiting = false;
        if (!read) {
          // As RedundancyLoop: epochs issued above a stale highest could repeat the previous leader's.
          leading.stepDown(change.revision(), Leadership.StepDown.EPOCHS_UNREAD);
          drain();
          return;
        }
        controller = new RedundancyController(settings, flaws, ledger.highest());
        leadingSince = time.now();
        note(EventLog.format(LogEvent.LEADER_ELECTED, "epochs_above", ledger.highest()));
        apply(now -> controller.configure(backupOf, settings, now));
        drain();
      });
      return;
    }
    ledRevision = 0;
    leadingSince = -1;
    note(EventLog.format(LogEvent.LEADER_STEPPED_DOWN, "cause", change.reason(), "sessions", sessions.size()));
    endEverything(leading.standbyReason().orElse("this Management Layer stepped down"));
    controller = new RedundancyController(settings, flaws, ledger.highest());
  }

  /** Empty while the loop leads; otherwise why a caller must go to another. */
  private Optional<String> standbyReason() {
    if (ledRevision != 0 && leading.revision() == ledRevision) {
      return Optional.empty();
    }
    return Optional.of(leading.standbyReason().orElse("this Management Layer is taking over; try again"));
  }

  private void endEverything(String reason) {
    for (Session session : sessions.values()) {
      network.finish(session.stream(), this, Status.UNAVAILABLE.withDescription(reason), new Metadata());
    }
    sessions.clear();
  }

  // ---- inputs --------------------------------------------------------------------------------------

  /** Follows the Applications: pairs form and change as configuration says. */
  private void follow() {
    Stream stream = network.open(this, configServer, configServer::accept);
    stream.clientEnd = new Stream.End() {
      @Override
      public void receive(Message message) {
        Map<String, String> given = new TreeMap<>();
        for (Map.Entry<String, Application> app : ((Message.Applications) message).applications().entrySet()) {
          given.put(app.getKey(), app.getValue().getBackup());
        }
        if (readySince < 0) {
          readySince = time.now();
        }
        onLoop(() -> {
          backupOf = given;
          apply(now -> controller.configure(given, settings, now));
        });
      }

      @Override
      public void ended(Status status, Metadata trailers) {
        time.after(FOLLOW_RETRY_MS, ManagementNode.this, ManagementNode.this::follow);
      }
    };
    network.send(stream, this, new Message.FollowApplications());
  }

  /** An operator's {@code tandem switchover}: a standby refuses it, and the command asks the next. */
  boolean switchover(String application) {
    if (standbyReason().isPresent()) {
      return false;
    }
    onLoop(() -> apply(now -> controller.switchoverRequested(application, ++requestIds, now)));
    return true;
  }

  /** A supervision stream reaches the Management Layer. */
  Stream.End accept(Stream stream) {
    return new Stream.End() {
      private Session session;

      @Override
      public void receive(Message message) {
        onLoop(() -> supervised(((Message.Supervision) message).message()));
      }

      private void supervised(SupervisionMessage received) {
        if (received.hasHello()) {
          Optional<String> standby = standbyReason();
          if (standby.isPresent()) {
            network.finish(stream, ManagementNode.this, Status.UNAVAILABLE.withDescription(standby.get()),
                new Metadata());
            return;
          }
          Hello hello = received.getHello();
          session = new Session(++sessionIds, hello.getApplication(), stream);
          sessions.put(session.id(), session);
          apply(now -> controller.connected(new Arrival(hello.getApplication(), session.id(), hello.getInstanceId(),
              hello.getClientAddress(), stream.client.name, hello.getCurrentMode(), hello.getEpoch()), now));
        } else if (session == null || !sessions.containsKey(session.id())) {
          return; // the stream's session ended: what it still carried is not wanted
        } else if (received.hasStatus()) {
          StatusReport report = received.getStatus();
          apply(now -> controller.statusReported(session.application(), session.id(), report.getStatus(),
              report.getDetail(), now), () -> send(stream, SupervisionCommand.newBuilder()
              .setStatusAck(StatusAck.newBuilder().setReportId(report.getReportId())).build()));
        } else if (received.hasModeAck()) {
          ModeAck ack = received.getModeAck();
          apply(now -> controller.modeAcknowledged(session.application(), session.id(), ack.getCommandId(),
              ack.getMode(), ack.getEpoch(), now));
        } else if (received.hasHeartbeat()) {
          apply(now -> controller.heartbeat(session.application(), session.id(), now));
        } else {
          throw new IllegalStateException("the Management Layer does not take " + received);
        }
      }

      @Override
      public void ended(Status status, Metadata trailers) {
        onLoop(() -> {
          if (session != null && sessions.remove(session.id()) != null) {
            apply(now -> controller.disconnected(session.application(), session.id(), now));
          }
        });
      }
    };
  }

  private void send(Stream stream, SupervisionCommand command) {
    network.send(stream, this, new Message.Supervised(command));
  }

  private void note(String what) {
    if (trace.enabled()) {
      trace.note(time.now(), name, what);
    }
  }

  private final Action.Handler plumbing = new Action.Handler() {
    @Override
    public void sendMode(Action.SendMode send) {
      throw new IllegalStateException("mode commands are carried out by carryOut, which may wait on etcd");
    }

    @Override
    public void sendSettings(Action.SendSettings settings) {
      Session session = sessions.get(settings.session());
      if (session != null) {
        send(session.stream(), SupervisionCommand.newBuilder().setSettings(SupervisionSettings.newBuilder()
            .setHeartbeatIntervalMs(settings.heartbeatInterval().toMillis())).build());
      }
    }

    @Override
    public void endSession(Action.EndSession end) {
      Session session = sessions.remove(end.session());
      if (session != null) {
        // As the session ends it: a refused duplicate is told, in the trailers, how long to keep asking.
        network.finish(session.stream(), ManagementNode.this, RedundancyLoop.status(end.cause(), end.message()),
            end.retryFor().isZero() ? new Metadata() : DuplicateRefusal.trailers(end.retryFor()));
      }
    }

    @Override
    public void completeRequest(Action.CompleteRequest done) {
      note("switchover request answered: " + done.reply().getResult() + " " + done.reply().getMessage());
    }

    @Override
    public void log(Action.Log log) {
      if (trace.enabled()) {
        note(EventLog.format(log.line().event(), log.line().details().toArray()));
      }
    }
  };
}
