package io.tandem.statserver.reload;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Grpc;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.security.TransportSecurity;
import io.tandem.common.testing.TestPki;
import io.tandem.protocol.reload.PeerProbe;
import io.tandem.stat.v1.ConfigState;
import io.tandem.stat.v1.GetServerInfoRequest;
import io.tandem.stat.v1.ServerInfo;
import io.tandem.stat.v1.StatServiceGrpc;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The backup probe against a stand-in peer on a real loopback port, over mutual TLS. */
class BackupProbeTest {
  private final TransportSecurity own = TestPki.shared().security("StatServer_A");
  private final TransportSecurity peerSecurity = TestPki.shared().security("MgmtLayer");
  private final AtomicInteger infoCalls = new AtomicInteger();
  private Server peer;
  private BackupProbe probe;

  @BeforeEach
  void start() throws Exception {
    peer = Grpc.newServerBuilderForPort(0, peerSecurity.serverCredentials())
        .addService(new HealthGrpc.HealthImplBase() {
          @Override
          public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> out) {
            out.onNext(HealthCheckResponse.newBuilder().setStatus(HealthCheckResponse.ServingStatus.SERVING).build());
            out.onCompleted();
          }
        })
        .addService(new StatServiceGrpc.StatServiceImplBase() {
          @Override
          public void getServerInfo(GetServerInfoRequest request, StreamObserver<ServerInfo> out) {
            infoCalls.incrementAndGet();
            out.onNext(ServerInfo.newBuilder().setServing(true).setConfigState(ConfigState.SYNCED).setLastEventId(100)
                .build());
            out.onCompleted();
          }
        })
        .build().start();
    // The production deadline is 500 ms; a busy machine may need more for a TLS handshake.
    probe = new BackupProbe(own, Duration.ofSeconds(30));
  }

  @AfterEach
  void stop() throws Exception {
    probe.close();
    peer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    own.close();
    peerSecurity.close();
  }

  private PeerProbe probe(String backup) throws Exception {
    CompletableFuture<PeerProbe> result = new CompletableFuture<>();
    probe.probe(backup, HostPort.local(peer.getPort()), result::complete);
    return result.get(30, TimeUnit.SECONDS);
  }

  @Test
  void aServerAtTheBackupsAddressWithAnotherApplicationsCertificateIsNotTheBackup() throws Exception {
    PeerProbe impostor = probe("StatServer_B");
    assertThat(impostor.readyFor(100)).as("the Management Layer's certificate at StatServer_B's address").isFalse();
    assertThat(infoCalls).as("server info asked of the impostor").hasValue(0);

    assertThat(probe("MgmtLayer").readyFor(100)).as("the same server, expected under its own name").isTrue();
  }
}
