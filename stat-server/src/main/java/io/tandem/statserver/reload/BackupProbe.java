package io.tandem.statserver.reload;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.grpc.Channels;
import io.tandem.common.grpc.HealthProbe;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TransportSecurity;
import io.tandem.protocol.reload.PeerProbe;
import io.tandem.stat.v1.GetServerInfoRequest;
import io.tandem.stat.v1.ServerInfo;
import io.tandem.stat.v1.StatServiceGrpc;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Asks the backup's client port how it stands: its {@code grpc.health.v1} status and its server
 * info (configuration state, last applied event, role, epoch); {@link PeerProbe#readyFor} decides
 * whether that makes it ready to take over. Short deadlines, on a thread of its own, so a hung
 * peer never stalls the reload logic.
 */
public final class BackupProbe implements AutoCloseable {
  static final Duration DEADLINE = Duration.ofMillis(500);

  private final ExecutorService thread = Executors.newSingleThreadExecutor(new DaemonThreadFactory("backup-probe"));
  private final TransportSecurity security;
  private HostPort address;
  private String name;
  private ManagedChannel channel;

  /** A probe that calls the peer as this server's own identity (a member of the pair may ask its peer). */
  public BackupProbe(TransportSecurity security) {
    this.security = security;
  }

  /**
   * Probes the backup {@code peer} at {@code target}, refusing a server that presents another
   * application's certificate; {@code result} gets the outcome (on the probe thread).
   */
  public void probe(String peer, HostPort target, Consumer<PeerProbe> result) {
    thread.execute(() -> result.accept(check(peer, target)));
  }

  private PeerProbe check(String peer, HostPort target) {
    if (target == null || peer.isEmpty()) {
      return PeerProbe.notReady("the backup has no client port in its Application object");
    }
    if (!target.equals(address) || !peer.equals(name)) {
      Channels.close(channel, Duration.ofMillis(200));
      address = target;
      name = peer;
      channel = Channels.open(target, ServerIdentity.of(peer), security);
    }
    HealthProbe.Result health = HealthProbe.check(channel, "", DEADLINE);
    if (!health.serving()) {
      return PeerProbe.notReady(target + " " + health.describe());
    }
    try {
      ServerInfo info = StatServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
          .getServerInfo(GetServerInfoRequest.getDefaultInstance());
      return PeerProbe.serving(target.toString(), info);
    } catch (StatusRuntimeException e) {
      return PeerProbe.notReady(target + " server info unavailable: " + e.getStatus().getCode());
    }
  }

  @Override
  public void close() {
    thread.execute(() -> Channels.close(channel, Duration.ofMillis(200)));
    thread.shutdown();
  }
}
