package io.tandem.common.supervision;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.tandem.common.grpc.AddressRotation;
import io.tandem.management.v1.SupervisionCommand;
import io.tandem.protocol.link.HostPort;
import io.tandem.protocol.log.LogEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * Supervision over several Management Layers of which one leads: each stream opens on the current
 * address, and a stream that ends {@code UNAVAILABLE} — a standby saying who leads, a leader
 * stepping down or gone — moves the next one to the next address in the list. The client's own
 * backoff paces the attempts, so a list with the leader in it is gone through within a few of them.
 */
final class FollowingTransport implements SupervisionClient.Transport {
  private final AddressRotation rotation;
  private final List<SupervisionClient.Transport> transports = new ArrayList<>();

  FollowingTransport(List<HostPort> addresses, List<ManagedChannel> channels, String application) {
    if (addresses.isEmpty() || addresses.size() != channels.size()) {
      throw new IllegalArgumentException("--management: give at least one address (" + addresses.size() + " addresses, "
          + channels.size() + " channels)");
    }
    this.rotation = new AddressRotation(addresses, LogEvent.MANAGEMENT_LAYER_CHANGED, application);
    channels.forEach(channel -> transports.add(SupervisionClient.grpc(channel)));
  }

  @Override
  public void open(SupervisionClient.Inbound inbound) {
    int used = rotation.current();
    transports.get(used).open(new SupervisionClient.Inbound() {
      @Override
      public void started(SupervisionClient.Outbound stream) {
        inbound.started(stream);
      }

      @Override
      public void onCommand(SupervisionCommand command) {
        inbound.onCommand(command);
      }

      @Override
      public void onEnded(Status status, Metadata trailers) {
        if (status.getCode() == Status.Code.UNAVAILABLE) {
          rotation.failed(used, status);
        }
        inbound.onEnded(status, trailers);
      }
    });
  }

  @Override
  public void reconnectNow() {
    transports.get(rotation.current()).reconnectNow();
  }
}
