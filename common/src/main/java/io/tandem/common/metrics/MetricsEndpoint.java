package io.tandem.common.metrics;

import io.prometheus.metrics.exporter.common.PrometheusScrapeHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tandem.common.bootstrap.ManagedService;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.concurrent.ExecutorStop;
import io.tandem.common.logging.EventLog;
import io.tandem.common.logging.LogEvent;
import io.tandem.common.security.AccessControl;
import io.tandem.common.security.AccessRule;
import io.tandem.common.security.Caller;
import io.tandem.common.security.Identities;
import io.tandem.common.security.TransportSecurity;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
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
 * <p>It serves connections itself, over the JDK's TLS sockets, rather than through the JDK's
 * HTTPS server: that one asks the name resolver for the caller's host name before every
 * handshake, and where the resolver does not answer, every scrape waited for it. Nothing here
 * looks a name up: the caller is its certificate and its address as numbers.
 */
public final class MetricsEndpoint implements ManagedService {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);
  public static final String PATH = "/metrics";
  /** Who may read the metrics. */
  public static final AccessRule SCRAPERS = AccessRule.only(AccessRule.MONITOR, AccessRule.OPERATOR);
  /** The TLS handshake and the request must arrive within this, as on the gRPC port. */
  static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
  /** Connections served at once, and waiting: scrapers are few, a flood is turned away. */
  private static final int CONNECTIONS = 4;
  private static final int WAITING = 32;

  private final String serviceName;
  private final int requestedPort;
  private final TransportSecurity security;
  private final PrometheusScrapeHandler scrapes;
  private ServerSocket socket;
  private Thread acceptor;
  private ThreadPoolExecutor connections;

  public MetricsEndpoint(String serviceName, int port, TransportSecurity security, PrometheusRegistry registry) {
    this.serviceName = serviceName;
    this.requestedPort = port;
    this.security = security;
    this.scrapes = new PrometheusScrapeHandler(registry);
  }

  @Override
  public void start() throws IOException {
    if (requestedPort == 0) {
      return;
    }
    if (security.isPlaintext()) {
      socket = new ServerSocket();
    } else {
      SSLServerSocket tls = (SSLServerSocket) security.sslContext().getServerSocketFactory().createServerSocket();
      tls.setNeedClientAuth(true);
      socket = tls;
    }
    socket.setReuseAddress(true);
    socket.bind(new InetSocketAddress(requestedPort));
    connections = new ThreadPoolExecutor(CONNECTIONS, CONNECTIONS, 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(WAITING), new DaemonThreadFactory("metrics-http"));
    acceptor = new DaemonThreadFactory("metrics-accept").newThread(this::accept);
    acceptor.start();
    EventLog.emit(LOG, LogEvent.METRICS_LISTENING, "service", serviceName, "port", socket.getLocalPort(), "path", PATH,
        "transport", security.isPlaintext() ? "http" : "https+mtls",
        "allowed", security.isPlaintext() ? "anyone" : SCRAPERS.describe());
  }

  /** The port listened on; 0 when there is none. */
  public int port() {
    return socket == null ? 0 : socket.getLocalPort();
  }

  private void accept() {
    while (!socket.isClosed()) {
      Socket connection;
      try {
        connection = socket.accept();
      } catch (IOException e) {
        if (!socket.isClosed()) {
          LOG.warn("metrics port: accept failed: {}", e.toString());
        }
        continue;
      }
      try {
        connections.execute(() -> serve(connection));
      } catch (RejectedExecutionException e) {
        close(connection);
      }
    }
  }

  private void serve(Socket connection) {
    try (connection) {
      connection.setSoTimeout((int) READ_TIMEOUT.toMillis());
      Optional<String> identity = Optional.empty();
      if (connection instanceof SSLSocket tls) {
        tls.startHandshake();
        identity = Identities.of(tls.getSession());
      }
      ScrapeExchange exchange;
      try {
        exchange = ScrapeExchange.read(connection.getInputStream(), connection.getOutputStream());
      } catch (ScrapeExchange.BadRequest e) {
        LOG.debug("metrics port: bad request from {}: {}", address(connection), e.getMessage());
        return;
      }
      if (!security.isPlaintext() && !identity.map(SCRAPERS::allows).orElse(false)) {
        String who = identity.orElse("no identity");
        AccessControl.deny(new Caller(who, address(connection), true), exchange.method() + " " + exchange.path(),
            "'" + who + "' may not read the metrics (allowed: " + SCRAPERS.describe() + ")");
        exchange.respond(403, "forbidden");
      } else if (!exchange.path().equals(PATH)) {
        exchange.respond(404, "not found: the metrics are at " + PATH);
      } else if (!exchange.method().equals("GET") && !exchange.method().equals("HEAD")) {
        exchange.respond(405, "only GET and HEAD");
      } else {
        scrapes.handleRequest(exchange);
      }
      exchange.close();
    } catch (IOException e) {
      // A handshake refused (no certificate, another authority), a scraper gone or too slow.
      LOG.debug("metrics port: connection from {} ended: {}", address(connection), e.toString());
    }
  }

  /** The caller's address as numbers ("127.0.0.1:53122"): never a name, which would ask the resolver. */
  private static String address(Socket connection) {
    return connection.getInetAddress().getHostAddress() + ":" + connection.getPort();
  }

  private static void close(Socket connection) {
    try {
      connection.close();
    } catch (IOException e) {
      LOG.debug("metrics port: closing a connection turned away: {}", e.toString());
    }
  }

  @Override
  public void stop() throws InterruptedException {
    if (socket == null) {
      return;
    }
    try {
      socket.close();
    } catch (IOException e) {
      LOG.warn("metrics port: closing failed: {}", e.toString());
    }
    acceptor.join(READ_TIMEOUT.toMillis());
    ExecutorStop.stop(connections, "metrics-http", READ_TIMEOUT);
  }

  @Override
  public String name() {
    return "metrics endpoint";
  }
}
