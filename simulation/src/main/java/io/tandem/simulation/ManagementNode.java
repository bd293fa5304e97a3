package io.tandem.simulation;

import io.grpc.Metadata;
import io.grpc.Status;
import io.tandem.protocol.log.EventLog;
import io.tandem.common.supervision.DuplicateRefusal;
import io.tandem.config.v1.Application;
import io.tandem.protocol.redundancy.Action;
import io.tandem.protocol.redundancy.Arrival;
import io.tandem.protocol.redundancy.RedundancyController;
import io.tandem.management.supervision.RedundancyLoop;
import io.tandem.protocol.redundancy.RedundancySettings;
import io.tandem.management.v1.Hello;
import io.tandem.management.v1.ModeAck;
import io.tandem.management.v1.ModeCommand;
import io.tandem.management.v1.PairsStatus;
import io.tandem.management.v1.StatusAck;
import io.tandem.management.v1.StatusReport;
import io.tandem.management.v1.SupervisionCommand;
import io.tandem.management.v1.SupervisionMessage;
import io.tandem.management.v1.SupervisionSettings;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The Management Layer: the real {@link RedundancyController}, fed as {@code RedundancyLoop}
 * feeds it — the pairs from the Config Server's Applications (followed live), one supervision
 * session per stream, status acknowledged after the controller has it, a tick 50 ms after the previous one's work. A
 * restart starts a new controller that knows nothing.
 */
final class ManagementNode extends Node {
  private static final long TICK_MS = RedundancyController.TICK_PERIOD.toMillis();
  private static final int TICK_WORK_MAX_MS = 2;
  private static final long FOLLOW_RETRY_MS = 500;

  private final ConfigServerNode configServer;
  private final RedundancySettings settings;
  private final Set<RedundancyController.Flaw> flaws;
  /** How long each tick's work takes: drawn apart from the world's other choices. */
  private final Random tickWork;
  private RedundancyController controller;
  private final Map<Long, Session> sessions = new HashMap<>();
  private long sessionIds;
  private long requestIds;
  /** When it last became able to decide (started and given the pairs); -1 until then. */
  private long readySince = -1;

  private record Session(long id, String application, Stream stream) {}

  /** The epoch ledger on this node's disk: the highest epoch a command carried; outlives restarts. */
  private long ledger;

  ManagementNode(VirtualTime time, Network network, Trace trace, ConfigServerNode configServer,
      RedundancySettings settings, Set<RedundancyController.Flaw> flaws, Random tickWork) {
    super(World.MANAGEMENT, time, network, trace);
    this.configServer = configServer;
    this.settings = settings;
    this.flaws = flaws;
    this.tickWork = tickWork;
  }

  long readySince() {
    return isUp() ? readySince : -1;
  }

  PairsStatus status() {
    return controller.status(time.instant());
  }

  @Override
  void onStart() {
    controller = new RedundancyController(RedundancySettings.DEFAULTS, flaws, ledger);
    sessions.clear();
    readySince = -1;
    follow();
    time.after(TICK_MS, this, this::tick);
  }

  /** The loop ticks with a fixed delay: the next tick comes a period after this one's work, 0–2 ms. */
  private void tick() {
    apply(controller::tick);
    time.after(TICK_MS + tickWork.nextInt(TICK_WORK_MAX_MS + 1), this, this::tick);
  }

  private void apply(Function<Instant, List<Action>> input) {
    for (Action action : input.apply(time.instant())) {
      action.dispatch(plumbing);
    }
  }

  /** Follows the Applications: pairs form and change as configuration says. */
  private void follow() {
    Stream stream = network.open(this, configServer, configServer::accept);
    stream.clientEnd = new Stream.End() {
      @Override
      public void receive(Message message) {
        Map<String, String> backupOf = new TreeMap<>();
        for (Map.Entry<String, Application> app : ((Message.Applications) message).applications().entrySet()) {
          backupOf.put(app.getKey(), app.getValue().getBackup());
        }
        apply(now -> controller.configure(backupOf, settings, now));
        if (readySince < 0) {
          readySince = time.now();
        }
      }

      @Override
      public void ended(Status status, Metadata trailers) {
        time.after(FOLLOW_RETRY_MS, ManagementNode.this, ManagementNode.this::follow);
      }
    };
    network.send(stream, this, new Message.FollowApplications());
  }

  /** An operator's {@code tandem switchover}. */
  void switchover(String application) {
    apply(now -> controller.switchoverRequested(application, ++requestIds, now));
  }

  /** A supervision stream reaches the Management Layer. */
  Stream.End accept(Stream stream) {
    return new Stream.End() {
      private Session session;

      @Override
      public void receive(Message message) {
        SupervisionMessage received = ((Message.Supervision) message).message();
        if (received.hasHello()) {
          Hello hello = received.getHello();
          session = new Session(++sessionIds, hello.getApplication(), stream);
          sessions.put(session.id(), session);
          apply(now -> controller.connected(new Arrival(hello.getApplication(), session.id(), hello.getInstanceId(),
              hello.getClientAddress(), stream.client.name, hello.getCurrentMode(), hello.getEpoch()), now));
        } else if (received.hasStatus()) {
          StatusReport report = received.getStatus();
          apply(now -> controller.statusReported(session.application(), session.id(), report.getStatus(),
              report.getDetail(), now));
          send(stream, SupervisionCommand.newBuilder()
              .setStatusAck(StatusAck.newBuilder().setReportId(report.getReportId())).build());
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
        if (session != null && sessions.remove(session.id()) != null) {
          apply(now -> controller.disconnected(session.application(), session.id(), now));
        }
      }
    };
  }

  private void send(Stream stream, SupervisionCommand command) {
    network.send(stream, this, new Message.Supervised(command));
  }

  private final Action.Handler plumbing = new Action.Handler() {
    @Override
    public void sendMode(Action.SendMode send) {
      Session session = sessions.get(send.session());
      if (session != null) {
        ledger = Math.max(ledger, send.epoch()); // recorded before the command leaves, as the real loop does
        send(session.stream(), SupervisionCommand.newBuilder().setMode(ModeCommand.newBuilder()
            .setCommandId(send.commandId()).setMode(send.mode()).setEpoch(send.epoch()).setReason(send.reason()))
            .build());
      }
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
      trace.note(time.now(), name, "switchover request answered: " + done.reply().getResult() + " "
          + done.reply().getMessage());
    }

    @Override
    public void log(Action.Log log) {
      if (trace.enabled()) {
        trace.note(time.now(), name, EventLog.format(log.line().event(), log.line().details().toArray()));
      }
    }
  };
}
