package io.tandem.simulation;

import io.grpc.Metadata;
import io.grpc.Status;
import io.tandem.common.supervision.SupervisionClient;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.ModeCommand;
import io.tandem.management.v1.SupervisionCommand;
import io.tandem.management.v1.SupervisionMessage;

/**
 * Supervision streams from one Stat Server process's {@code SupervisionClient} to the
 * Management Layer, over the simulated network. What leaves the process is watched here: a
 * process acknowledging PRIMARY is what the one-primary-per-epoch invariant counts.
 */
final class SimulatedSupervision implements SupervisionClient.Transport {
  private final Node self;
  private final String process;
  private final ManagementNode management;
  private final Invariants invariants;

  /** For {@code self}, the process start named {@code process}. */
  SimulatedSupervision(Node self, String process, ManagementNode management, Invariants invariants) {
    this.self = self;
    this.process = process;
    this.management = management;
    this.invariants = invariants;
  }

  @Override
  public void open(SupervisionClient.Inbound inbound) {
    Stream stream = self.network.open(self, management, management::accept);
    inbound.started(new SupervisionClient.Outbound() {
      @Override
      public void send(SupervisionMessage message) {
        if (message.hasModeAck() && message.getModeAck().getMode() == Mode.PRIMARY) {
          invariants.primaryAcknowledged(process, message.getModeAck().getEpoch());
        }
        self.network.send(stream, self, new Message.Supervision(message));
      }

      @Override
      public void complete() {
        self.network.finish(stream, self, Status.CANCELLED.withDescription("supervision closed"), new Metadata());
      }
    });
    stream.clientEnd = new Stream.End() {
      @Override
      public void receive(Message message) {
        SupervisionCommand command = ((Message.Supervised) message).command();
        if (command.hasMode() && self.trace.enabled()) {
          ModeCommand mode = command.getMode();
          self.trace.note(self.time.now(), self.name, "<- mode " + mode.getMode() + " epoch " + mode.getEpoch()
              + " (" + mode.getReason() + ")");
        }
        inbound.onCommand(command);
      }

      @Override
      public void ended(Status status, Metadata trailers) {
        inbound.onEnded(status, trailers);
      }
    };
  }

  @Override
  public void reconnectNow() {
    // The simulated network keeps no connection backoff of its own.
  }
}
