package io.tandem.simulation;

import io.tandem.protocol.log.EventLog;
import io.tandem.config.v1.Application;
import io.tandem.management.redundancy.Action;
import io.tandem.management.redundancy.Arrival;
import io.tandem.management.redundancy.RedundancyController;
import io.tandem.management.redundancy.RedundancySettings;
import io.tandem.management.v1.ModeCommand;
import io.tandem.management.v1.PairsStatus;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
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

  /** How long each tick's work takes: drawn apart from the world's other choices. */
  private final Random tickWork;
  private RedundancyController controller;
  private final Map<Long, Session> sessions = new HashMap<>();
  private long sessionIds;
  private long requestIds;
  /** When it last became able to decide (started and given the pairs); -1 until then. */
  private long readySince = -1;

  private record Session(long id, String application, Stream stream) {}

  ManagementNode(World world) {
    super(World.MANAGEMENT, world);
    tickWork = new Random(world.seed * 0x9E3779B97F4A7C15L + 2);
  }

  long readySince() {
    return isUp() ? readySince : -1;
  }

  PairsStatus status() {
    return controller.status(world.instant());
  }

  @Override
  void onStart() {
    controller = new RedundancyController(RedundancySettings.DEFAULTS, world.mutant.managementFlaws());
    sessions.clear();
    readySince = -1;
    follow();
    world.after(TICK_MS, this, this::tick);
  }

  /** The loop ticks with a fixed delay: the next tick comes a period after this one's work, 0–2 ms. */
  private void tick() {
    apply(controller::tick);
    world.after(TICK_MS + tickWork.nextInt(TICK_WORK_MAX_MS + 1), this, this::tick);
  }

  private void apply(Function<Instant, List<Action>> input) {
    for (Action action : input.apply(world.instant())) {
      action.dispatch(plumbing);
    }
  }

  /** Follows the Applications: pairs form and change as configuration says. */
  private void follow() {
    Stream stream = world.network.open(this, world.configServer, world.configServer::accept);
    stream.clientEnd = new Stream.End() {
      @Override
      public void receive(Message message) {
        Map<String, String> backupOf = new TreeMap<>();
        for (Map.Entry<String, Application> app : ((Message.Applications) message).applications().entrySet()) {
          backupOf.put(app.getKey(), app.getValue().getBackup());
        }
        apply(now -> controller.configure(backupOf, world.parameters.management(), now));
        if (readySince < 0) {
          readySince = world.now();
        }
      }

      @Override
      public void ended(String why) {
        world.after(FOLLOW_RETRY_MS, ManagementNode.this, ManagementNode.this::follow);
      }
    };
    world.network.send(stream, this, new Message.ApplicationsRequest(true));
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
        if (message instanceof Message.Hello hello) {
          session = new Session(++sessionIds, hello.application(), stream);
          sessions.put(session.id(), session);
          apply(now -> controller.connected(new Arrival(hello.application(), session.id(), hello.instanceId(),
              "", stream.client.name, hello.mode(), hello.epoch()), now));
        } else if (message instanceof Message.Report report) {
          apply(now -> controller.statusReported(session.application(), session.id(), report.status(),
              report.detail(), now));
          world.network.send(stream, ManagementNode.this, new Message.StatusAck(report.reportId()));
        } else if (message instanceof Message.ModeAck ack) {
          apply(now -> controller.modeAcknowledged(session.application(), session.id(),
              ack.command().getCommandId(), ack.command().getMode(), ack.command().getEpoch(), now));
        } else if (message instanceof Message.Heartbeat) {
          apply(now -> controller.heartbeat(session.application(), session.id(), now));
        } else {
          throw new IllegalStateException("the Management Layer does not take " + message);
        }
      }

      @Override
      public void ended(String why) {
        if (session != null && sessions.remove(session.id()) != null) {
          apply(now -> controller.disconnected(session.application(), session.id(), now));
        }
      }
    };
  }

  private final Action.Handler plumbing = new Action.Handler() {
    @Override
    public void sendMode(Action.SendMode send) {
      Session session = sessions.get(send.session());
      if (session != null) {
        world.network.send(session.stream(), ManagementNode.this, new Message.Command(ModeCommand.newBuilder()
            .setCommandId(send.commandId()).setMode(send.mode()).setEpoch(send.epoch()).setReason(send.reason())
            .build()));
      }
    }

    @Override
    public void sendSettings(Action.SendSettings settings) {
      Session session = sessions.get(settings.session());
      if (session != null) {
        world.network.send(session.stream(), ManagementNode.this, new Message.Settings(settings.heartbeatInterval()));
      }
    }

    @Override
    public void endSession(Action.EndSession end) {
      Session session = sessions.remove(end.session());
      if (session != null) {
        world.network.finish(session.stream(), ManagementNode.this,
            end.status().getCode() + ": " + end.status().getDescription());
      }
    }

    @Override
    public void completeRequest(Action.CompleteRequest done) {
      world.trace.note(world.now(), name, "switchover request answered: " + done.reply().getResult() + " "
          + done.reply().getMessage());
    }

    @Override
    public void log(Action.Log log) {
      if (world.trace.enabled()) {
        world.trace.note(world.now(), name, EventLog.format(log.line().event(), log.line().details().toArray()));
      }
    }
  };
}
