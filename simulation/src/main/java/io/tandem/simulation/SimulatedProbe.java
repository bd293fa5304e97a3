package io.tandem.simulation;

import io.grpc.StatusRuntimeException;
import io.tandem.protocol.link.HostPort;
import io.tandem.statserver.reload.BackupProbe;
import io.tandem.protocol.reload.PeerProbe;
import java.util.function.Function;

/**
 * A Stat Server process's backup probe asking its peer's client port over the simulated
 * network: the probe's thread (a {@link Carrier}) blocks on virtual time until the answer comes
 * or the deadline of its two questions passes.
 */
final class SimulatedProbe implements BackupProbe.Check {
  private final Node self;
  private final Carrier thread;
  private final Function<HostPort, StatServerNode> clientPorts;

  /** {@code clientPorts}: the process listening at an address now (null: none). */
  SimulatedProbe(Node self, Carrier thread, Function<HostPort, StatServerNode> clientPorts) {
    this.self = self;
    this.thread = thread;
    this.clientPorts = clientPorts;
  }

  @Override
  public PeerProbe check(String peer, HostPort target) {
    StatServerNode listening = clientPorts.apply(target);
    if (listening == null) {
      return PeerProbe.notReady(target + " UNAVAILABLE: connection refused");
    }
    try {
      Message reply = thread.await(done -> self.network.call(self, listening, listening::acceptProbe,
          new Message.ProbeRequest(), BackupProbe.DEADLINE.multipliedBy(2).toMillis(), done::complete,
          status -> done.fail(status.asRuntimeException())));
      return ((Message.ProbeReply) reply).probe();
    } catch (StatusRuntimeException e) {
      return PeerProbe.notReady(target + " " + e.getStatus().getCode());
    }
  }

  @Override
  public void close() {
    // No channel to close: every probe is a call of its own.
  }
}
