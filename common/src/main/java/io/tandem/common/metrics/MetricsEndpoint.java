package io.tandem.common.metrics;

import io.prometheus.metrics.exporter.common.PrometheusScrapeHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import io.tandem.common.security.AccessControl;
import io.tandem.common.security.AccessRule;
import io.tandem.common.security.Caller;
import io.tandem.common.security.Identities;
import io.tandem.common.security.TransportSecurity;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's metrics in Prometheus text format at {@code /metrics} on {@code --metrics-port}
 * (none when 0). It goes through the same guard as the gRPC port: with TLS it is HTTPS with the
 * service's own certificate and requires a client certificate from the installation's authority
 * (a caller without one gets no answer, as on the gRPC port), and only {@code monitor} (a
 * Prometheus server) and {@code operator} may read it — others get 403 and alarm 00-05073.
 * Plaintext HTTP only with {@code --insecure}, as everything else.
 *
 * <p>Served by Jetty rather than the JDK's HTTPS server: that one asks the name resolver for the
 * caller's host name before every handshake, and where the resolver does not answer, every scrape
 * waited for it. Jetty makes its TLS engine from the caller's address as numbers, and nothing here
 * looks a name up: the caller is its certificate and its address.
 */
public final class MetricsEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);
  public static final String PATH = "/metrics";
  /** Who may read the metrics. */
  public static final AccessRule SCRAPERS = AccessRule.only(AccessRule.MONITOR, AccessRule.OPERATOR);
  /** A connection idle this long (a handshake or a request that does not come) is closed, as on the gRPC port. */
  static final Duration IDLE_TIMEOUT = Duration.ofSeconds(10);
  /** Scrapers are few: a small pool, whose threads are daemons so they never hold the JVM. */
  private static final int MAX_THREADS = 8;
  private static final int MIN_THREADS = 2;

  private final String serviceName;
  private final int requestedPort;
  private final TransportSecurity security;
  private final PrometheusScrapeHandler scrapes;
  private Server server;
  private ServerConnector connector;

  public MetricsEndpoint(String serviceName, int port, TransportSecurity security, PrometheusRegistry registry) {
    this.serviceName = serviceName;
    this.requestedPort = port;
    this.security = security;
    this.scrapes = new PrometheusScrapeHandler(registry);
  }

  /** Starts listening, unless the port is 0 (no endpoint). */
  public void start() throws Exception {
    if (requestedPort == 0) {
      return;
    }
    QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, MIN_THREADS);
    threads.setName("metrics-http");
    threads.setDaemon(true);
    server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    if (security.isPlaintext()) {
      connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    } else {
      SslContextFactory.Server tls = new SslContextFactory.Server();
      tls.setSslContext(security.sslContext());
      tls.setNeedClientAuth(true);
      SecureRequestCustomizer session = new SecureRequestCustomizer();
      // Scrapers name the service by any address it has; its certificate is checked by the caller.
      session.setSniHostCheck(false);
      http.addCustomizer(session);
      connector = new ServerConnector(server, 1, 1, new SslConnectionFactory(tls, "http/1.1"),
          new HttpConnectionFactory(http));
    }
    connector.setPort(requestedPort);
    connector.setReuseAddress(true);
    connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
    server.addConnector(connector);
    server.setHandler(new Scrapes());
    server.setStopTimeout(IDLE_TIMEOUT.toMillis());
    server.start();
    EventLog.emit(LOG, LogEvent.METRICS_LISTENING, "service", serviceName, "port", port(), "path", PATH,
        "transport", security.isPlaintext() ? "http" : "https+mtls",
        "allowed", security.isPlaintext() ? "anyone" : SCRAPERS.describe());
  }

  /** The port listened on; 0 when there is none. */
  public int port() {
    return connector == null ? 0 : connector.getLocalPort();
  }

  public void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
  }

  /** For log lines. */
  public String name() {
    return "metrics endpoint";
  }

  /** Who may read what: the guard, then Prometheus' own scrape handler. */
  private final class Scrapes extends Handler.Abstract {
    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      String method = request.getMethod();
      String path = Request.getPathInContext(request);
      if (!security.isPlaintext()) {
        Optional<String> identity = identity(request);
        if (!identity.map(SCRAPERS::allows).orElse(false)) {
          String who = identity.orElse("no identity");
          AccessControl.deny(new Caller(who, Request.getRemoteAddr(request) + ":" + Request.getRemotePort(request), true),
              method + " " + path, "'" + who + "' may not read the metrics (allowed: " + SCRAPERS.describe() + ")");
          return answer(response, callback, 403, "forbidden");
        }
      }
      if (!path.equals(PATH)) {
        return answer(response, callback, 404, "not found: the metrics are at " + PATH);
      }
      if (!method.equals("GET") && !method.equals("HEAD")) {
        return answer(response, callback, 405, "only GET and HEAD");
      }
      scrapes.handleRequest(new JettyScrapeExchange(request, response));
      callback.succeeded();
      return true;
    }
  }

  /** The caller's identity: the name on the client certificate its TLS session was made with. */
  private static Optional<String> identity(Request request) {
    return request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE) instanceof EndPoint.SslSessionData session
        ? Identities.of(session.sslSession()) : Optional.empty();
  }

  private static boolean answer(Response response, Callback callback, int status, String body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
    Content.Sink.write(response, true, body + "\n", callback);
    return true;
  }
}
