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
  /** How long each question to the peer may take. */
  public static final Duration DEADLINE = Duration.ofMillis(500);

  /** Asks the peer at an address, blocking the probe's thread: over gRPC in a server, the simulated network in the simulator. */
  public interface Check {
    PeerProbe check(String peer, HostPort target);

    /** The probe is done with the peer it last asked. */
    void close();
  }

  private final ExecutorService thread;
  private final Check check;

  /** A probe that calls the peer as this server's own identity (a member of the pair may ask its peer). */
  public BackupProbe(TransportSecurity security) {
    this(security, DEADLINE);
  }

  /** A probe whose calls wait up to {@code deadline} (tests on a busy machine give it more). */
  BackupProbe(TransportSecurity security, Duration deadline) {
    this(Executors.newSingleThreadExecutor(new DaemonThreadFactory("backup-probe")), new GrpcCheck(security, deadline));
  }

  /** A probe that asks on {@code thread}, a single-threaded executor of its own, with {@code check}. */
  public BackupProbe(ExecutorService thread, Check check) {
    this.thread = thread;
    this.check = check;
  }

  /**
   * Probes the backup {@code peer} at {@code target}, refusing a server that presents another
   * application's certificate; {@code result} gets the outcome (on the probe thread).
   */
  public void probe(String peer, HostPort target, Consumer<PeerProbe> result) {
    thread.execute(() -> result.accept(target == null || peer.isEmpty()
        ? PeerProbe.notReady("the backup has no client port in its Application object") : check.check(peer, target)));
  }

  @Override
  public void close() {
    thread.execute(check::close);
    thread.shutdown();
  }

  /** The peer's health, then its server info, over one channel kept while the peer's name and address stay. */
  private static final class GrpcCheck implements Check {
    private final TransportSecurity security;
    private final Duration deadline;
    private HostPort address;
    private String name;
    private ManagedChannel channel;

    GrpcCheck(TransportSecurity security, Duration deadline) {
      this.security = security;
      this.deadline = deadline;
    }

    @Override
    public PeerProbe check(String peer, HostPort target) {
      if (!target.equals(address) || !peer.equals(name)) {
        close();
        address = target;
        name = peer;
        channel = Channels.open(target, ServerIdentity.of(peer), security);
      }
      HealthProbe.Result health = HealthProbe.check(channel, "", deadline);
      if (!health.serving()) {
        return PeerProbe.notReady(target + " " + health.describe());
      }
      try {
        ServerInfo info = StatServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
            .getServerInfo(GetServerInfoRequest.getDefaultInstance());
        return PeerProbe.serving(target.toString(), info);
      } catch (StatusRuntimeException e) {
        return PeerProbe.notReady(target + " server info unavailable: " + e.getStatus().getCode());
      }
    }

    @Override
    public void close() {
      Channels.close(channel, Duration.ofMillis(200));
    }
  }
}
