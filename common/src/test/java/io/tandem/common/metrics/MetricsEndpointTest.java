package io.tandem.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import io.grpc.ManagedChannel;
import io.tandem.common.bootstrap.Observability;
import io.tandem.common.bootstrap.RunningService;
import io.tandem.common.bootstrap.ServerSecurity;
import io.tandem.common.bootstrap.ServiceRunner;
import io.tandem.common.grpc.Channels;
import io.tandem.common.grpc.HealthProbe;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.process.FreePorts;
import io.tandem.common.security.AccessControl;
import io.tandem.common.security.ConnectionLimits;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TransportSecurity;
import io.tandem.common.testing.ForeignCaller;
import io.tandem.protocol.log.LogCapture;
import io.tandem.common.testing.PrometheusText;
import io.tandem.common.testing.TestPki;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics port of a real service, read with a real HTTP client: HTTPS with the service's
 * certificate, a client certificate required, only monitor and operator let in; plaintext only
 * with --insecure; none at all on port 0. Every service has its gRPC calls and the JVM's figures.
 */
class MetricsEndpointTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private final TestPki pki = TestPki.shared();
  @TempDir
  Path dir;

  private static HttpResponse<String> get(HttpClient client, String url) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(WAIT).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpClient as(TransportSecurity identity) {
    return HttpClient.newBuilder().sslContext(identity.sslContext()).connectTimeout(WAIT).build();
  }

  @Test
  void aMonitorReadsEveryServicesFamiliesOverMutualTls() throws Exception {
    int metricsPort = FreePorts.next();
    try (RunningService service = ServiceRunner.start("test", 0, Observability.metricsOn(metricsPort), pki.server("test"), new AbstractModule() {});
         TransportSecurity monitor = pki.security("monitor")) {
      ManagedChannel channel = Channels.open(HostPort.local(service.port()), ServerIdentity.of("test"), monitor);
      try {
        HealthProbe.check(channel, "", WAIT);
      } finally {
        Channels.close(channel, Duration.ofSeconds(1));
      }
      HttpResponse<String> response = get(as(monitor), "https://localhost:" + metricsPort + "/metrics");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
          assertThat(type).startsWith("text/plain"));
      PrometheusText metrics = new PrometheusText(response.body());
      assertThat(metrics.value("tandem_serving")).hasValue(0);
      assertThat(metrics.type("grpc_server_handled_total")).isEqualTo("counter");
      assertThat(metrics.value("grpc_server_handled_total", "grpc_service", "grpc.health.v1.Health",
          "grpc_method", "Check", "grpc_code", "OK", "grpc_type", "unary")).hasValue(1);
      assertThat(metrics.value("grpc_server_handling_seconds_count", "grpc_method", "Check")).hasValue(1);
      assertThat(metrics.type("jvm_memory_used_bytes")).isEqualTo("gauge");
      assertThat(metrics.type("process_cpu_seconds_total")).isEqualTo("counter");
    }
  }

  @Test
  void anotherIdentityIsRefusedWithItsNameAndACallerWithoutACertificateGetsNoAnswer() throws Exception {
    int metricsPort = FreePorts.next();
    try (RunningService service = ServiceRunner.start("test", 0, Observability.metricsOn(metricsPort), pki.server("test"), new AbstractModule() {});
         TransportSecurity client = pki.security("client");
         LogCapture alarms = new LogCapture(AccessControl.class)) {
      HttpResponse<String> refused = get(as(client), "https://localhost:" + metricsPort + "/metrics");
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(alarms.withId("00-05073")).singleElement().asString()
          .contains("identity=client", "call=GET /metrics", "'client' may not read the metrics (allowed: monitor, operator)");

      try (TransportSecurity operator = pki.security("operator")) {
        assertThat(get(as(operator), "https://localhost:" + metricsPort + "/metrics").statusCode())
            .as("the operator may read them").isEqualTo(200);
      }
      // Callers that trust the installation's authority: only the server can turn them away.
      assertThat(get(HttpClient.newBuilder().sslContext(ForeignCaller.trusting(pki.files("monitor").authority(),
          pki.files("monitor")).sslContext()).connectTimeout(WAIT).build(), "https://localhost:" + metricsPort
          + "/metrics").statusCode()).as("the outsider's way of calling, with the installation's own monitor certificate")
          .isEqualTo(200);
      assertThatThrownBy(() -> get(HttpClient.newBuilder().sslContext(ForeignCaller.withoutCertificate(
          pki.files("monitor").authority())).connectTimeout(WAIT).build(),
          "https://localhost:" + metricsPort + "/metrics")).as("no client certificate, no TLS session")
          .isInstanceOf(IOException.class);
      TestPki stranger = TestPki.create(dir.resolve("other-pki"), List.of(), List.of("monitor"));
      assertThatThrownBy(() -> get(HttpClient.newBuilder().sslContext(ForeignCaller.trusting(
          pki.files("monitor").authority(), stranger.files("monitor")).sslContext()).connectTimeout(WAIT).build(),
          "https://localhost:" + metricsPort + "/metrics")).as("a monitor certificate from another authority")
          .isInstanceOf(IOException.class);
      assertThatThrownBy(() -> get(HttpClient.newBuilder().connectTimeout(WAIT).build(),
          "http://localhost:" + metricsPort + "/metrics")).as("no plaintext").isInstanceOf(IOException.class);
    }
  }

  @Test
  void plaintextOnlyWithInsecureAndNoPortAtAllOnZero() throws Exception {
    int metricsPort = FreePorts.next();
    try (RunningService service = ServiceRunner.start("test", 0, Observability.metricsOn(metricsPort),
        new ServerSecurity(TransportSecurity.plaintext(), ConnectionLimits.defaults()), new AbstractModule() {})) {
      HttpResponse<String> response = get(HttpClient.newHttpClient(), "http://localhost:" + metricsPort + "/metrics");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(new PrometheusText(response.body()).value("tandem_serving")).isPresent();
    }
    try (RunningService service = ServiceRunner.start("test", 0, Observability.NONE, pki.server("test"), new AbstractModule() {})) {
      assertThat(service.get(MetricsEndpoint.class).port()).isZero();
    }
  }
}
