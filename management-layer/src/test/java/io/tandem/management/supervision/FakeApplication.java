package io.tandem.management.supervision;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tandem.management.v1.AppStatus;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.management.v1.Heartbeat;
import io.tandem.management.v1.Hello;
import io.tandem.management.v1.ManagementServiceGrpc;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.ModeAck;
import io.tandem.management.v1.ModeCommand;
import io.tandem.management.v1.StatusReport;
import io.tandem.management.v1.SupervisionCommand;
import io.tandem.management.v1.SupervisionMessage;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A scripted supervised application: says hello (with an instance id), reports what it is told to,
 * acknowledges modes, and heartbeats at the interval it is given until it is frozen.
 */
final class FakeApplication {
  private static final ScheduledExecutorService HEARTBEATS =
      Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("fake-heartbeats"));

  final String name;
  final String instanceId;
  private final Channel channel;
  private volatile boolean frozen;
  private volatile long epoch;
  private ScheduledFuture<?> heartbeats;
  final List<ModeCommand> commands = new CopyOnWriteArrayList<>();
  final List<Long> statusAcks = new CopyOnWriteArrayList<>();
  volatile boolean acknowledgeModes = true;
  volatile Mode mode = Mode.MODE_UNSPECIFIED;
  volatile Status ended;
  private final AtomicLong reports = new AtomicLong();
  private ClientCallStreamObserver<SupervisionMessage> out;

  FakeApplication(Channel channel, String name) {
    this(channel, name, "instance-" + name + "-" + System.nanoTime());
  }

  FakeApplication(Channel channel, String name, String instanceId) {
    this.channel = channel;
    this.name = name;
    this.instanceId = instanceId;
  }

  /** Says hello (at its next connect) as running under {@code claimed}. */
  FakeApplication claiming(long claimed) {
    epoch = claimed;
    return this;
  }

  /** Says hello again on its open stream, as no application should. */
  void helloAgain() {
    send(SupervisionMessage.newBuilder().setHello(Hello.newBuilder().setApplication(name).setInstanceId(instanceId)
        .setEpoch(epoch).setClientAddress("localhost:1" + name.length())).build());
  }

  FakeApplication connect() {
    ended = null;
    ManagementServiceGrpc.newStub(channel).supervise(new ClientResponseObserver<SupervisionMessage, SupervisionCommand>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<SupervisionMessage> requestStream) {
        out = requestStream;
      }

      @Override
      public void onNext(SupervisionCommand command) {
        if (command.hasSettings()) {
          heartbeatEvery(command.getSettings().getHeartbeatIntervalMs());
        } else if (command.hasMode()) {
          commands.add(command.getMode());
          if (acknowledgeModes) {
            acknowledge(command.getMode());
          }
        } else if (command.hasStatusAck()) {
          statusAcks.add(command.getStatusAck().getReportId());
        }
      }

      @Override
      public void onError(Throwable t) {
        ended = Status.fromThrowable(t);
        stopHeartbeats();
      }

      @Override
      public void onCompleted() {
        ended = Status.OK;
        stopHeartbeats();
      }
    });
    send(SupervisionMessage.newBuilder().setHello(Hello.newBuilder().setApplication(name).setInstanceId(instanceId)
        .setEpoch(epoch).setClientAddress("localhost:1" + name.length())).build());
    return this;
  }

  private synchronized void heartbeatEvery(long intervalMs) {
    stopHeartbeats();
    heartbeats = HEARTBEATS.scheduleAtFixedRate(() -> {
      if (!frozen && ended == null) {
        send(SupervisionMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder().setEpoch(epoch)).build());
      }
    }, 0, intervalMs, TimeUnit.MILLISECONDS);
  }

  private synchronized void stopHeartbeats() {
    if (heartbeats != null) {
      heartbeats.cancel(false);
    }
  }

  /** Stops heartbeats (a frozen process keeps its stream open but says nothing), or resumes them. */
  void frozen(boolean value) {
    frozen = value;
  }

  synchronized void acknowledge(ModeCommand command) {
    mode = command.getMode();
    epoch = command.getEpoch();
    send(SupervisionMessage.newBuilder().setModeAck(ModeAck.newBuilder().setCommandId(command.getCommandId())
        .setMode(command.getMode()).setEpoch(command.getEpoch())).build());
  }

  /** Acknowledges the last command received (when auto-acknowledgement is off). */
  void acknowledgeLast() {
    acknowledge(commands.get(commands.size() - 1));
  }

  long report(AppStatus status) {
    long id = reports.incrementAndGet();
    send(SupervisionMessage.newBuilder().setStatus(StatusReport.newBuilder().setReportId(id).setStatus(status)).build());
    return id;
  }

  synchronized void send(SupervisionMessage message) {
    if (ended == null) {
      out.onNext(message);
    }
  }

  /** The stream breaks, as when the process dies. */
  void crash() {
    stopHeartbeats();
    out.cancel("crashed", null);
  }

  Mode lastCommanded() {
    return commands.isEmpty() ? Mode.MODE_UNSPECIFIED : commands.get(commands.size() - 1).getMode();
  }
}
