package io.tandem.management.supervision;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.tandem.common.supervision.DuplicateRefusal;
import io.tandem.management.v1.ModeCommand;
import io.tandem.management.v1.StatusAck;
import io.tandem.management.v1.SupervisionCommand;
import io.tandem.management.v1.SupervisionSettings;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One application's supervision stream, as the redundancy loop writes to it (only from its thread). */
final class SupervisionSession {
  private static final Logger LOG = LoggerFactory.getLogger(SupervisionSession.class);

  final long id;
  final String application;
  private final ServerCallStreamObserver<SupervisionCommand> out;
  private boolean ended;

  SupervisionSession(long id, String application, ServerCallStreamObserver<SupervisionCommand> out) {
    this.id = id;
    this.application = application;
    this.out = out;
  }

  void sendMode(long commandId, io.tandem.management.v1.Mode mode, long epoch, String reason) {
    send(SupervisionCommand.newBuilder().setMode(ModeCommand.newBuilder().setCommandId(commandId).setMode(mode)
        .setEpoch(epoch).setReason(reason)).build());
  }

  void sendSettings(Duration heartbeatInterval) {
    send(SupervisionCommand.newBuilder().setSettings(SupervisionSettings.newBuilder()
        .setHeartbeatIntervalMs(heartbeatInterval.toMillis())).build());
  }

  void acknowledgeStatus(long reportId) {
    send(SupervisionCommand.newBuilder().setStatusAck(StatusAck.newBuilder().setReportId(reportId)).build());
  }

  /** Ends the stream from this side. */
  void end(Status status) {
    end(status, Duration.ZERO);
  }

  /** Ends the stream from this side; a refused duplicate is told to keep asking for {@code retryFor}. */
  void end(Status status, Duration retryFor) {
    if (!ended) {
      ended = true;
      try {
        if (status.isOk()) {
          out.onCompleted();
        } else {
          out.onError(retryFor.isZero() ? status.asRuntimeException()
              : status.asRuntimeException(DuplicateRefusal.trailers(retryFor)));
        }
      } catch (StatusRuntimeException | IllegalStateException e) {
        LOG.debug("session {} of {} already closed: {}", id, application, e.toString());
      }
    }
  }

  private void send(SupervisionCommand command) {
    if (ended || out.isCancelled()) {
      return;
    }
    try {
      out.onNext(command);
    } catch (StatusRuntimeException | IllegalStateException e) {
      // Cancelled between the check and the send: the disconnect is already on its way to the loop.
      LOG.debug("session {} of {} closed while sending: {}", id, application, e.toString());
    }
  }
}
