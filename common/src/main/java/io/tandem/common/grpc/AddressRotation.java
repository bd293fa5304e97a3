package io.tandem.common.grpc;

import io.grpc.Status;
import io.tandem.protocol.link.HostPort;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which of several addresses of one service calls go to now: the Config Server's replicas, the
 * Management Layers of which one leads. When the current one fails, the next in the list becomes
 * current — unless another failure moved on already — with a log event naming both.
 */
public final class AddressRotation {
  private static final Logger LOG = LoggerFactory.getLogger(AddressRotation.class);

  private final List<HostPort> addresses;
  private final LogEvent moved;
  private final String client;
  private volatile int current;

  /** @param moved the event logged on each move (client, left, joined, cause) */
  public AddressRotation(List<HostPort> addresses, LogEvent moved, String client) {
    this.addresses = List.copyOf(addresses);
    this.moved = moved;
    this.client = client;
  }

  /** The index calls go to now. */
  public int current() {
    return current;
  }

  /** The address at {@code used} failed with {@code status}: the next becomes current, unless one already did. */
  public synchronized void failed(int used, Status status) {
    if (addresses.size() == 1 || used != current) {
      return;
    }
    current = (used + 1) % addresses.size();
    EventLog.emit(LOG, moved, "client", client, "left", addresses.get(used), "joined", addresses.get(current),
        "cause", status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription()));
  }
}
