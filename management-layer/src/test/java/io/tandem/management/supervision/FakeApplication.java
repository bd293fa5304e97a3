package io.tandem.management.supervision;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tandem.management.v1.AppStatus;
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
import java.util.concurrent.atomic.AtomicLong;

/** A scripted supervised application: says hello, reports what it is told to, acknowledges modes. */
final class FakeApplication {
  final String name;
  private final Channel channel;
  final List<ModeCommand> commands = new CopyOnWriteArrayList<>();
  final List<Long> statusAcks = new CopyOnWriteArrayList<>();
  volatile boolean acknowledgeModes = true;
  volatile Mode mode = Mode.MODE_UNSPECIFIED;
  volatile Status ended;
  private final AtomicLong reports = new AtomicLong();
  private ClientCallStreamObserver<SupervisionMessage> out;

  FakeApplication(Channel channel, String name) {
    this.channel = channel;
    this.name = name;
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
        if (command.hasMode()) {
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
      }

      @Override
      public void onCompleted() {
        ended = Status.OK;
      }
    });
    send(SupervisionMessage.newBuilder().setHello(Hello.newBuilder().setApplication(name)
        .setClientAddress("localhost:1" + name.length())).build());
    return this;
  }

  synchronized void acknowledge(ModeCommand command) {
    mode = command.getMode();
    send(SupervisionMessage.newBuilder()
        .setModeAck(ModeAck.newBuilder().setCommandId(command.getCommandId()).setMode(command.getMode())).build());
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
    out.onNext(message);
  }

  /** The stream breaks, as when the process dies. */
  void crash() {
    out.cancel("crashed", null);
  }

  Mode lastCommanded() {
    return commands.isEmpty() ? Mode.MODE_UNSPECIFIED : commands.get(commands.size() - 1).getMode();
  }
}
