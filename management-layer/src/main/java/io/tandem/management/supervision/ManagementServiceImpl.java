package io.tandem.management.supervision;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tandem.common.config.Names;
import io.tandem.common.security.AccessControl;
import io.tandem.common.security.Caller;
import io.tandem.protocol.redundancy.Arrival;
import io.tandem.management.v1.GetPairsRequest;
import io.tandem.management.v1.ManagementServiceGrpc;
import io.tandem.management.v1.PairsStatus;
import io.tandem.management.v1.SupervisionCommand;
import io.tandem.management.v1.SupervisionMessage;
import io.tandem.management.v1.SwitchoverReply;
import io.tandem.management.v1.SwitchoverRequest;
import jakarta.inject.Inject;
import java.util.concurrent.atomic.AtomicLong;

/** {@code tandem.management.v1.ManagementService}: streams and requests, fed to the {@link RedundancyLoop}. */
public final class ManagementServiceImpl extends ManagementServiceGrpc.ManagementServiceImplBase {

  private final RedundancyLoop loop;
  private final AtomicLong sessionIds = new AtomicLong();
  private final AtomicLong requestIds = new AtomicLong();

  @Inject
  public ManagementServiceImpl(RedundancyLoop loop) {
    this.loop = loop;
  }

  @Override
  public StreamObserver<SupervisionMessage> supervise(StreamObserver<SupervisionCommand> responseObserver) {
    ServerCallStreamObserver<SupervisionCommand> out = (ServerCallStreamObserver<SupervisionCommand>) responseObserver;
    Caller caller = Caller.current();
    return new StreamObserver<>() {
      private SupervisionSession session;
      private boolean refused;

      @Override
      public void onNext(SupervisionMessage message) {
        if (refused) {
          return;
        }
        if (session == null) {
          if (message.getPayloadCase() != SupervisionMessage.PayloadCase.HELLO || message.getHello().getApplication().isBlank()) {
            refused = true;
            out.onError(Status.INVALID_ARGUMENT
                .withDescription("hello.application: the first message of a supervision stream must be a hello naming the application")
                .asRuntimeException());
            return;
          }
          var hello = message.getHello();
          var problem = Names.problem(hello.getApplication());
          if (problem.isPresent()) {
            refused = true;
            out.onError(Status.INVALID_ARGUMENT.withDescription("hello.application: " + problem.get()).asRuntimeException());
            return;
          }
          if (!caller.is(hello.getApplication())) {
            refused = true;
            out.onError(AccessControl.deny(caller, "Supervise", "the hello names '" + hello.getApplication()
                + "' but the caller's certificate is '" + caller.identity() + "'").asRuntimeException());
            return;
          }
          SupervisionSession opened = new SupervisionSession(sessionIds.incrementAndGet(), hello.getApplication(), out);
          session = opened;
          Arrival arrival = new Arrival(hello.getApplication(), opened.id, hello.getInstanceId(),
              hello.getClientAddress(), caller.address(), hello.getCurrentMode(), hello.getEpoch());
          loop.execute(() -> loop.register(opened, arrival));
          return;
        }
        SupervisionSession current = session;
        switch (message.getPayloadCase()) {
          case STATUS -> {
            var report = message.getStatus();
            loop.execute(() -> {
              loop.apply(now -> loop.controller().statusReported(current.application, current.id, report.getStatus(),
                  report.getDetail(), now));
              current.acknowledgeStatus(report.getReportId());
            });
          }
          case MODE_ACK -> {
            var ack = message.getModeAck();
            loop.submit(now -> loop.controller().modeAcknowledged(current.application, current.id, ack.getCommandId(),
                ack.getMode(), ack.getEpoch(), now));
          }
          case HEARTBEAT -> loop.heartbeat(current, System.nanoTime());
          default -> loop.execute(() -> {
            current.end(Status.INVALID_ARGUMENT.withDescription(
                "a supervision stream carries one hello, then status reports and mode acknowledgements"));
            // Ended from this side, the call tells this observer nothing more: the member is lost now.
            loop.unregister(current);
          });
        }
      }

      @Override
      public void onError(Throwable t) {
        closed();
      }

      @Override
      public void onCompleted() {
        closed();
        loop.execute(() -> {
          if (session != null) {
            session.end(Status.OK);
          }
        });
      }

      private void closed() {
        SupervisionSession current = session;
        if (current != null) {
          loop.execute(() -> loop.unregister(current));
        }
      }
    };
  }

  @Override
  public void switchover(SwitchoverRequest request, StreamObserver<SwitchoverReply> out) {
    var problem = Names.problem(request.getApplication());
    if (problem.isPresent()) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("application: " + problem.get()
          + " (it must name a member of a pair)").asRuntimeException());
      return;
    }
    long requestId = requestIds.incrementAndGet();
    loop.execute(() -> {
      if (refusedOnStandby(out)) {
        return;
      }
      loop.addRequest(requestId, out);
      loop.apply(now -> loop.controller().switchoverRequested(request.getApplication(), requestId, now));
    });
  }

  @Override
  public void getPairs(GetPairsRequest request, StreamObserver<PairsStatus> out) {
    loop.execute(() -> {
      if (refusedOnStandby(out)) {
        return;
      }
      out.onNext(loop.currentStatus());
      out.onCompleted();
    });
  }

  @Override
  public void watchPairs(GetPairsRequest request, StreamObserver<PairsStatus> responseObserver) {
    ServerCallStreamObserver<PairsStatus> out = (ServerCallStreamObserver<PairsStatus>) responseObserver;
    String peer = Caller.current().address();
    out.setOnCancelHandler(() -> loop.execute(() -> loop.removeWatcher(out)));
    out.setOnReadyHandler(() -> loop.execute(() -> loop.watcherReady(out)));
    loop.execute(() -> {
      if (!refusedOnStandby(out)) {
        loop.addWatcher(out, peer);
      }
    });
  }

  /** Loop thread. A standby answers nothing of its own: a client must never act on its view. */
  private boolean refusedOnStandby(StreamObserver<?> out) {
    var standby = loop.standbyReason();
    standby.ifPresent(reason -> out.onError(Status.UNAVAILABLE.withDescription(reason).asRuntimeException()));
    return standby.isPresent();
  }
}
