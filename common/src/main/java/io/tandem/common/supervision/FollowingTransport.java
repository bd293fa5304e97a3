package io.tandem.common.supervision;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.tandem.management.v1.SupervisionCommand;
import io.tandem.protocol.link.HostPort;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Supervision over several Management Layers of which one leads: each stream opens on the current
 * address, and a stream that ends {@code UNAVAILABLE} — a standby saying who leads, a leader
 * stepping down or gone — moves the next one to the next address in the list. The client's own
 * backoff paces the attempts, so a list with the leader in it is gone through within a few of them.
 */
final class FollowingTransport implements SupervisionClient.Transport {
  private static final Logger LOG = LoggerFactory.getLogger(FollowingTransport.class);

  private final List<HostPort> addresses;
  private final List<SupervisionClient.Transport> transports = new ArrayList<>();
  private final String application;
  private volatile int current;

  FollowingTransport(List<HostPort> addresses, List<ManagedChannel> channels, String application) {
    if (addresses.isEmpty() || addresses.size() != channels.size()) {
      throw new IllegalArgumentException("--management: give at least one address (" + addresses.size() + " addresses, "
          + channels.size() + " channels)");
    }
    this.addresses = List.copyOf(addresses);
    channels.forEach(channel -> transports.add(SupervisionClient.grpc(channel)));
    this.application = application;
  }

  @Override
  public void open(SupervisionClient.Inbound inbound) {
    int used = current;
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
        moveOn(used, status);
        inbound.onEnded(status, trailers);
      }
    });
  }

  private synchronized void moveOn(int used, Status status) {
    if (addresses.size() == 1 || used != current || status.getCode() != Status.Code.UNAVAILABLE) {
      return;
    }
    current = (used + 1) % addresses.size();
    EventLog.emit(LOG, LogEvent.MANAGEMENT_LAYER_CHANGED, "client", application, "left", addresses.get(used),
        "joined", addresses.get(current), "cause", status.getCode()
            + (status.getDescription() == null ? "" : ": " + status.getDescription()));
  }

  @Override
  public void reconnectNow() {
    transports.get(current).reconnectNow();
  }
}
