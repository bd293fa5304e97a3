package io.tandem.simulation;

import io.grpc.Metadata;
import io.grpc.Status;
import io.tandem.common.grpc.AddressRotation;
import io.tandem.common.supervision.SupervisionClient;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.ModeCommand;
import io.tandem.management.v1.SupervisionCommand;
import io.tandem.management.v1.SupervisionMessage;
import io.tandem.protocol.log.LogEvent;
import java.util.List;

/**
 * Supervision streams from one Stat Server process's {@code SupervisionClient} to the
 * Management Layers, over the simulated network. With several, it follows the leader as
 * {@code FollowingTransport} does (that class needs gRPC channels): each stream opens to the
 * current address of the real {@link AddressRotation}, and a stream that ends {@code UNAVAILABLE}
 * moves the next one on. What leaves the process is watched here: a process acknowledging
 * PRIMARY is what the one-primary-per-epoch invariant counts.
 */
final class SimulatedSupervision implements SupervisionClient.Transport {
  private final Node self;
  private final String process;
  private final List<ManagementNode> managements;
  private final AddressRotation rotation;
  private final Invariants invariants;

  /** For {@code self}, the process start named {@code process}, given every Management Layer, first tried first. */
  SimulatedSupervision(Node self, String process, List<ManagementNode> managements, Invariants invariants) {
    this.self = self;
    this.process = process;
    this.managements = managements;
    this.rotation = new AddressRotation(managements.stream().map(ManagementNode::address).toList(),
        LogEvent.MANAGEMENT_LAYER_CHANGED, process);
    this.invariants = invariants;
  }

  @Override
  public void open(SupervisionClient.Inbound inbound) {
    int used = rotation.current();
    ManagementNode management = managements.get(used);
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
              + " (" + mode.getReason() + ")" + (managements.size() > 1 ? " from " + management.name : ""));
        }
        inbound.onCommand(command);
      }

      @Override
      public void ended(Status status, Metadata trailers) {
        if (status.getCode() == Status.Code.UNAVAILABLE) {
          rotation.failed(used, status);
          if (rotation.current() != used && self.trace.enabled()) {
            self.trace.note(self.time.now(), self.name, "supervision moves to "
                + managements.get(rotation.current()).name + ": " + status.getDescription());
          }
        }
        inbound.onEnded(status, trailers);
      }
    };
  }

  @Override
  public void reconnectNow() {
    // The simulated network keeps no connection backoff of its own.
  }
}
