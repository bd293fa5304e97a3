package io.tandem.common.metrics;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tandem.common.bootstrap.ManagedService;
import io.tandem.common.logging.EventLog;
import io.tandem.common.logging.LogEvent;
import io.tandem.common.security.AccessControl;
import io.tandem.common.security.AccessRule;
import io.tandem.common.security.Caller;
import io.tandem.common.security.Identities;
import io.tandem.common.security.TransportSecurity;
import java.io.IOException;
import java.util.Optional;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's metrics in Prometheus text format at {@code /metrics} on {@code --metrics-port}
 * (none when 0). It goes through the same guard as the gRPC port: with TLS it is HTTPS with the
 * service's own certificate and requires a client certificate from the installation's authority
 * (a caller without one gets no answer, as on the gRPC port), and only {@code monitor} (a
 * Prometheus server) and {@code operator} may read it — others get 403 and alarm 00-05073.
 * Plaintext HTTP only with {@code --insecure}, as everything else.
 */
public final class MetricsEndpoint implements ManagedService {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);
  public static final String PATH = "/metrics";
  /** Who may read the metrics. */
  public static final AccessRule SCRAPERS = AccessRule.only(AccessRule.MONITOR, AccessRule.OPERATOR);

  private final String serviceName;
  private final int requestedPort;
  private final TransportSecurity security;
  private final PrometheusRegistry registry;
  private HTTPServer server;

  public MetricsEndpoint(String serviceName, int port, TransportSecurity security, PrometheusRegistry registry) {
    this.serviceName = serviceName;
    this.requestedPort = port;
    this.security = security;
    this.registry = registry;
  }

  @Override
  public void start() throws IOException {
    if (requestedPort == 0) {
      return;
    }
    HTTPServer.Builder builder = HTTPServer.builder().port(requestedPort).registry(registry).metricsHandlerPath(PATH);
    if (!security.isPlaintext()) {
      builder.httpsConfigurator(new HttpsConfigurator(security.sslContext()) {
        @Override
        public void configure(HttpsParameters params) {
          SSLParameters parameters = getSSLContext().getDefaultSSLParameters();
          parameters.setNeedClientAuth(true);
          params.setSSLParameters(parameters);
        }
      }).authenticator(new Scrapers());
    }
    server = builder.buildAndStart();
    EventLog.emit(LOG, LogEvent.METRICS_LISTENING, "service", serviceName, "port", server.getPort(), "path", PATH,
        "transport", security.isPlaintext() ? "http" : "https+mtls",
        "allowed", security.isPlaintext() ? "anyone" : SCRAPERS.describe());
  }

  /** The port listened on; 0 when there is none. */
  public int port() {
    return server == null ? 0 : server.getPort();
  }

  @Override
  public void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Override
  public String name() {
    return "metrics endpoint";
  }

  /** The identity the client certificate proves must be one of {@link #SCRAPERS}. */
  private static final class Scrapers extends Authenticator {
    @Override
    public Result authenticate(HttpExchange exchange) {
      Optional<String> identity = exchange instanceof HttpsExchange https
          ? Identities.of(https.getSSLSession()) : Optional.empty();
      if (identity.isPresent() && SCRAPERS.allows(identity.get())) {
        return new Success(new HttpPrincipal(identity.get(), "tandem"));
      }
      String address = exchange.getRemoteAddress().getAddress().getHostAddress() + ":"
          + exchange.getRemoteAddress().getPort();
      String who = identity.orElse("no identity");
      AccessControl.deny(new Caller(who, address, true), exchange.getRequestMethod() + " "
          + exchange.getRequestURI().getPath(), "'" + who + "' may not read the metrics (allowed: "
          + SCRAPERS.describe() + ")");
      return new Failure(403);
    }
  }
}
