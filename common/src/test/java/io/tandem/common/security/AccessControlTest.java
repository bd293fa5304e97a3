package io.tandem.common.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.inject.AbstractModule;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.tandem.common.bootstrap.HealthState;
import io.tandem.common.bootstrap.RunningService;
import io.tandem.common.bootstrap.ServerSecurity;
import io.tandem.common.bootstrap.ServiceRunner;
import io.tandem.common.grpc.Channels;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.testing.ForeignCaller;
import io.tandem.protocol.log.LogCapture;
import io.tandem.common.testing.TestPki;
import java.io.File;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transport's guard on a real server over loopback: who gets in (mutual TLS, the server's
 * name checked), who may call what, how many streams a connection may hold, and certificates
 * replaced while the server runs.
 */
class AccessControlTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Duration CALL = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  private TestPki pki;
  private RunningService server;
  private final List<TransportSecurity> opened = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final Queue<UnaryOperator<TlsCredentials>> readFaults = new ConcurrentLinkedQueue<>();

  @BeforeEach
  void start() throws Exception {
    pki = TestPki.create(dir.resolve("pki"), List.of("test"), List.of("operator", "client"));
    server = ServiceRunner.start("test", 0, new ServerSecurity(TransportSecurity.mutualTls(pki.files("test"),
        Duration.ofMillis(200), this::readWithFaults), ConnectionLimits.of(100, 10, 2, 1)), new AbstractModule() {});
    server.get(HealthState.class).set(true, "ready");
  }

  /** The server's files as it reads them: real, then passed through the next fault queued, if any. */
  private TlsCredentials readWithFaults(TlsFiles files) {
    TlsCredentials read = TlsCredentials.read(files);
    UnaryOperator<TlsCredentials> fault = readFaults.poll();
    return fault == null ? read : fault.apply(read);
  }

  @AfterEach
  void stop() {
    channels.forEach(channel -> Channels.close(channel, Duration.ofSeconds(1)));
    server.close();
    opened.forEach(TransportSecurity::close);
  }

  private ManagedChannel channel(String host, TransportSecurity security) {
    return channel(host, ServerIdentity.of("test"), security);
  }

  private ManagedChannel channel(String host, ServerIdentity expected, TransportSecurity security) {
    opened.add(security);
    ManagedChannel channel = Channels.open(new HostPort(host, server.port()), expected, security);
    channels.add(channel);
    return channel;
  }

  private HealthCheckResponse.ServingStatus check(ManagedChannel channel) {
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(CALL.toMillis(), TimeUnit.MILLISECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus();
  }

  @Test
  void anyCertificateFromTheAuthorityMayCheckHealth() {
    assertThat(check(channel("localhost", pki.security("client")))).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(check(channel("127.0.0.1", pki.security("operator")))).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  /** A channel as an outsider that trusts this installation's authority and presents {@code caller}'s certificate. */
  private ManagedChannel channel(ForeignCaller caller) {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress("localhost", server.port(), caller.channelCredentials()).build();
    channels.add(channel);
    return channel;
  }

  @Test
  void plaintextACertificateFromAnotherAuthorityAndAWrongServerNameGetNoAnswer() {
    TestPki stranger = TestPki.create(dir.resolve("other-pki"), List.of(), List.of("operator"));
    assertThatThrownBy(() -> check(channel("localhost", TransportSecurity.plaintext())))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    // The outsider trusts this installation's authority, so only the server can turn it away.
    assertThat(check(channel(ForeignCaller.trusting(pki.files("operator").authority(), pki.files("operator")))))
        .as("the outsider's way of calling, with the installation's own operator certificate")
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThatThrownBy(() -> check(channel(ForeignCaller.trusting(pki.files("operator").authority(),
        stranger.files("operator")))))
        .as("an operator certificate from another authority")
        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    // 127.0.0.2 is this machine too, but not a name the server's certificate gives.
    assertThatThrownBy(() -> check(channel("127.0.0.2", pki.security("operator"))))
        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNAVAILABLE))
        .hasStackTraceContaining("127.0.0.2");
  }

  @Test
  void aServerPresentingAnotherApplicationsCertificateIsRefusedNamingTheExpectedAndPresentedIdentities() {
    try (LogCapture log = new LogCapture(ServerIdentityCheck.class)) {
      assertThatThrownBy(() -> check(channel("localhost", ServerIdentity.of("confserv"), pki.security("operator"))))
          .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNAVAILABLE))
          .hasStackTraceContaining("the server at localhost:" + server.port()
              + " presented the certificate of 'test', not of 'confserv' as expected");
      assertThat(log.withId("00-05081")).singleElement().asString()
          .contains("address=localhost:" + server.port(), "expected=confserv", "presented=test");
    }
    assertThat(check(channel("localhost", ServerIdentity.anyFromTheAuthority(), pki.security("operator"))))
        .as("a caller that knows only the address").isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void theServiceCatalogueIsTheOperatorsAndARefusalIsLoggedWithTheCaller() throws Exception {
    try (LogCapture log = new LogCapture(AccessControl.class)) {
      assertThat(reflect(channel("localhost", pki.security("operator")))).isNull();
      Throwable refused = reflect(channel("localhost", pki.security("client")));
      assertThat(Status.fromThrowable(refused).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(Status.fromThrowable(refused).getDescription())
          .isEqualTo("'client' may not call grpc.reflection.v1.ServerReflection/ServerReflectionInfo (allowed: operator)");
      assertThat(log.withId("00-05073")).singleElement().asString()
          .contains("identity=client", "address=127.0.0.1:", "call=grpc.reflection.v1.ServerReflection/ServerReflectionInfo");
    }
  }

  /** Lists the services; the error that ended the call, or null. */
  private static Throwable reflect(ManagedChannel channel) throws InterruptedException {
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    List<Boolean> done = new CopyOnWriteArrayList<>();
    StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
        .serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse response) {
          }

          @Override
          public void onError(Throwable t) {
            errors.add(t);
            done.add(true);
          }

          @Override
          public void onCompleted() {
            done.add(true);
          }
        });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();
    await().atMost(WAIT).until(() -> !done.isEmpty());
    return errors.isEmpty() ? null : errors.get(0);
  }

  @Test
  void aConnectionHoldsNoMoreStreamsThanItsLimitAndTheLimitIsNamed() {
    ManagedChannel channel = channel("localhost", pki.security("client"));
    List<Throwable> ended = new CopyOnWriteArrayList<>();
    List<HealthCheckResponse> answers = new CopyOnWriteArrayList<>();
    StreamObserver<HealthCheckResponse> watcher = new StreamObserver<>() {
      @Override
      public void onNext(HealthCheckResponse value) {
        answers.add(value);
      }

      @Override
      public void onError(Throwable t) {
        ended.add(t);
      }

      @Override
      public void onCompleted() {
      }
    };
    for (int i = 0; i < 3; i++) {
      HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(), watcher);
    }
    await().atMost(WAIT).until(() -> answers.size() == 2 && ended.size() == 1);
    Status refused = Status.fromThrowable(ended.get(0));
    assertThat(refused.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(refused.getDescription()).startsWith("--max-watches-per-connection: this connection already has 2");
    assertThat(check(channel)).as("unary calls still pass").isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(check(channel("localhost", pki.security("operator"))))
        .as("the limit is per connection").isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void renewedCertificatesAreServedWithoutARestart() throws Exception {
    BigInteger before = servedSerial();
    try (LogCapture log = new LogCapture(TransportSecurity.class)) {
      pki.renew(List.of("test"), List.of());
      await().atMost(WAIT).until(() -> !servedSerial().equals(before));
      await().atMost(WAIT).until(() -> !log.withId("00-05077").isEmpty());
      assertThat(log.withId("00-05077").get(0)).contains("identity=test");
      assertThat(log.withId("00-05078")).as("a renewal (key written, then certificate) raises no alarm").isEmpty();
    }
    assertThat(check(channel("localhost", pki.security("client")))).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void aKeyThatDoesNotPairWithTheCertificateIsRefusedAndTheOldPairKeptServing() throws Exception {
    X509Certificate before = served();
    try (LogCapture log = new LogCapture(TransportSecurity.class)) {
      // Another P-256 key: the same algorithm as the certificate's, not its pair.
      Files.copy(pki.files("client").key(), pki.files("test").key(), StandardCopyOption.REPLACE_EXISTING);
      await().atMost(WAIT).until(() -> !log.withId("00-05078").isEmpty() || !log.withId("00-05077").isEmpty());
      assertThat(log.withId("00-05077")).as("the mismatched pair installed").isEmpty();
      assertThat(log.withId("00-05078")).singleElement().asString()
          .contains("--tls-key " + pki.files("test").key(), "does not pair with the certificate");
    }
    assertThat(check(channel("localhost", pki.security("client")))).as("a new connection")
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(served().getSerialNumber()).isEqualTo(before.getSerialNumber());
  }

  @Test
  void aRenewedCertificateOfAnotherIdentityIsRefusedAndTheRunningOneKept() throws Exception {
    X509Certificate before = served();
    pki.renew(List.of("other"), List.of());
    try (LogCapture log = new LogCapture(TransportSecurity.class)) {
      Files.copy(pki.files("other").key(), pki.files("test").key(), StandardCopyOption.REPLACE_EXISTING);
      Files.copy(pki.files("other").certificate(), pki.files("test").certificate(), StandardCopyOption.REPLACE_EXISTING);
      await().atMost(WAIT).until(() -> log.withId("00-05078").stream().anyMatch(line -> line.contains("'other'"))
          || !log.withId("00-05077").isEmpty());
      assertThat(log.withId("00-05077")).as("another identity installed").isEmpty();
      assertThat(log.withId("00-05078")).last().asString()
          .contains("--tls-cert " + pki.files("test").certificate(), "the certificate of 'other', not of 'test'");
    }
    assertThat(Identities.of(served())).as("the identity the server presents").contains("test");
    assertThat(served().getSerialNumber()).isEqualTo(before.getSerialNumber());
  }

  @Test
  void anUnexpectedFailureWhileRereadingIsAlarmedAndTheFilesAreStillReadAfterIt() throws Exception {
    BigInteger before = servedSerial();
    try (LogCapture log = new LogCapture(TransportSecurity.class)) {
      readFaults.add(read -> {
        throw new IllegalStateException("the certificate store went away");
      });
      pki.renew(List.of("test"), List.of());
      await("the renewed certificate served after the failed look").atMost(WAIT)
          .until(() -> !servedSerial().equals(before));
      assertThat(log.withId("00-05078")).singleElement().asString().contains("the certificate store went away");
      await().atMost(WAIT).until(() -> !log.withId("00-05077").isEmpty());
      assertThat(log.withId("00-05077")).singleElement().asString().contains("identity=test");
    }
  }

  /** The serial number of the certificate the server presents to a new connection now. */
  private BigInteger servedSerial() throws Exception {
    return served().getSerialNumber();
  }

  /** The certificate the server presents to a new connection now. */
  private X509Certificate served() throws Exception {
    AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
    TlsFiles operator = pki.files("operator");
    keys.updateIdentityCredentials(new File(operator.certificate().toString()), new File(operator.key().toString()));
    List<X509Certificate> presented = new CopyOnWriteArrayList<>();
    X509TrustManager recorder = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
        presented.add(chain[0]);
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(new javax.net.ssl.KeyManager[] {keys}, new TrustManager[] {recorder}, null);
    try (Socket socket = context.getSocketFactory().createSocket("localhost", server.port())) {
      ((SSLSocket) socket).startHandshake();
    }
    return presented.get(0);
  }
}
