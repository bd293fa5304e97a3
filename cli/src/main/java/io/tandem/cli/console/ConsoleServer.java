package io.tandem.cli.console;

import com.google.common.base.Splitter;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.grpc.StatusRuntimeException;
import io.tandem.management.v1.SwitchoverReply;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The console's web server, on the loopback interface only. Every request must carry the token
 * this run drew: in the URL once ({@code /?token=...}, answered with a cookie and a redirect that
 * drops it from the address bar, as notebook servers do), in the cookie after. The Host header must
 * name the loopback address, so a page elsewhere cannot reach it through a DNS name rebound to
 * 127.0.0.1; a switchover must come from this origin as JSON, which a form on another site cannot
 * send without the browser asking first.
 */
final class ConsoleServer implements AutoCloseable {
  /** How many pages may follow the state at once; each holds a thread. */
  private static final int STREAMS = 4;
  /**
   * How many requests are handled at once. The JDK's server reads a request on the handler's
   * thread, so a connection sending half a request holds one: a cached pool keeps the page
   * answering while a few do; past this many, new connections are closed.
   */
  private static final int THREADS = 64;
  /** A comment line on an idle stream this often, so a page that went away is noticed. */
  private static final long STREAM_KEEPALIVE_MS = 5_000;
  private static final Pattern APPLICATION = Pattern.compile("[A-Za-z0-9_.-]{1,128}");
  private static final Map<String, String> RESOURCES = Map.of(
      "/", "index.html", "/console.js", "console.js", "/console.css", "console.css");
  private static final Map<String, String> TYPES = Map.of(
      "index.html", "text/html; charset=utf-8", "console.js", "text/javascript; charset=utf-8",
      "console.css", "text/css; charset=utf-8");

  private final ConsoleFeed feed;
  private final HttpServer server;
  private final ExecutorService executor;
  private final String token;
  private final String cookieName;
  private final Semaphore streams = new Semaphore(STREAMS);
  private volatile boolean closing;

  /**
   * Binds 127.0.0.1:{@code port} (0: any free port).
   *
   * @throws IOException when the port cannot be bound
   */
  ConsoleServer(ConsoleFeed feed, int port) throws IOException {
    this.feed = feed;
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    this.token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port), 32);
    this.cookieName = "tandem_console_" + server.getAddress().getPort();
    this.executor = new ThreadPoolExecutor(0, THREADS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), runnable -> {
      Thread thread = new Thread(runnable, "console-http");
      thread.setDaemon(true);
      return thread;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** The address to open, token included. */
  String url() {
    return "http://127.0.0.1:" + port() + "/?token=" + token;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!hostIsLoopback(exchange)) {
        reply(exchange, 403, "text/plain", "Refused: the console answers only at 127.0.0.1:" + port() + " or localhost:"
            + port() + ".");
        return;
      }
      String path = exchange.getRequestURI().getPath();
      Optional<String> urlToken = query(exchange.getRequestURI(), "token");
      if (path.equals("/") && urlToken.isPresent() && matches(urlToken.get())) {
        exchange.getResponseHeaders().add("Set-Cookie", cookieName + "=" + token + "; Path=/; HttpOnly; SameSite=Strict");
        exchange.getResponseHeaders().add("Location", "/");
        reply(exchange, 303, "text/plain", "");
        return;
      }
      if (!cookie(exchange).map(this::matches).orElse(false)) {
        reply(exchange, 403, "text/plain", "Refused: this console needs the token it printed. Open the URL `tandem console`"
            + " printed (http://127.0.0.1:" + port() + "/?token=...).");
        return;
      }
      String method = exchange.getRequestMethod();
      if (path.equals("/api/switchover")) {
        if (!method.equals("POST")) {
          reply(exchange, 405, "text/plain", "POST only");
        } else {
          switchover(exchange);
        }
      } else if (!method.equals("GET")) {
        reply(exchange, 405, "text/plain", "GET only");
      } else if (path.equals("/api/state")) {
        reply(exchange, 200, "application/json", feed.state());
      } else if (path.equals("/api/stream")) {
        stream(exchange);
      } else if (RESOURCES.containsKey(path)) {
        resource(exchange, RESOURCES.get(path));
      } else {
        reply(exchange, 404, "text/plain", "Not found: " + path);
      }
    }
  }

  /** Server-sent events: the whole state, each time it changes. */
  private void stream(HttpExchange exchange) throws IOException {
    if (!streams.tryAcquire()) {
      reply(exchange, 503, "text/plain", "Too many pages follow this console (" + STREAMS + "); close one.");
      return;
    }
    try {
      exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
      secure(exchange);
      exchange.sendResponseHeaders(200, 0);
      OutputStream body = exchange.getResponseBody();
      String sent = "";
      long lastWrite = 0;
      while (!closing) {
        String state = feed.state();
        long now = System.nanoTime();
        if (!state.equals(sent)) {
          body.write(("event: state\ndata: " + state + "\n\n").getBytes(StandardCharsets.UTF_8));
          body.flush();
          sent = state;
          lastWrite = now;
        } else if (now - lastWrite > TimeUnit.MILLISECONDS.toNanos(STREAM_KEEPALIVE_MS)) {
          body.write(":\n\n".getBytes(StandardCharsets.UTF_8));
          body.flush();
          lastWrite = now;
        }
        TimeUnit.MILLISECONDS.sleep(250);
      }
    } catch (IOException e) {
      // The page went away.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      streams.release();
    }
  }

  private void switchover(HttpExchange exchange) throws IOException {
    String origin = exchange.getRequestHeaders().getFirst("Origin");
    String type = exchange.getRequestHeaders().getFirst("Content-Type");
    if ((origin != null && !origin.equals("http://127.0.0.1:" + port()) && !origin.equals("http://localhost:" + port()))
        || type == null || !type.startsWith("application/json")) {
      reply(exchange, 403, "text/plain", "Refused: a switchover is asked for from the console's page, as JSON.");
      return;
    }
    String application;
    try (InputStream in = exchange.getRequestBody()) {
      JsonObject body = JsonParser.parseString(new String(in.readNBytes(4096), StandardCharsets.UTF_8)).getAsJsonObject();
      application = body.has("application") ? body.get("application").getAsString() : "";
    } catch (JsonParseException | IllegalStateException | UnsupportedOperationException e) {
      reply(exchange, 400, "text/plain", "The body must be JSON: {\"application\": \"NAME\"}");
      return;
    }
    if (!APPLICATION.matcher(application).matches()) {
      reply(exchange, 400, "text/plain", "application: '" + application + "' is not an application name");
      return;
    }
    JsonObject result = new JsonObject();
    try {
      SwitchoverReply reply = feed.switchover(application);
      result.addProperty("result", reply.getResult().name());
      result.addProperty("ms", reply.getDurationMs());
      result.addProperty("primary", reply.getPrimary());
      result.addProperty("message", reply.getMessage());
    } catch (StatusRuntimeException e) {
      result.addProperty("result", e.getStatus().getCode().name());
      result.addProperty("message", e.getStatus().getDescription() == null ? "" : e.getStatus().getDescription());
    }
    reply(exchange, 200, "application/json", result.toString());
  }

  private void resource(HttpExchange exchange, String name) throws IOException {
    try (InputStream in = ConsoleServer.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("the console's " + name + " is missing from the jar");
      }
      reply(exchange, 200, TYPES.get(name), new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private static void reply(HttpExchange exchange, int status, String type, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", type);
    secure(exchange);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      exchange.getResponseBody().write(bytes);
    }
  }

  /** Nothing from elsewhere, no caching, no framing, no referrer carrying the address. */
  private static void secure(HttpExchange exchange) {
    exchange.getResponseHeaders().add("Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    exchange.getResponseHeaders().add("X-Content-Type-Options", "nosniff");
    exchange.getResponseHeaders().add("Referrer-Policy", "no-referrer");
    exchange.getResponseHeaders().add("Cache-Control", "no-store");
  }

  private boolean hostIsLoopback(HttpExchange exchange) {
    String host = exchange.getRequestHeaders().getFirst("Host");
    // A browser leaves the port out of the Host header when it is HTTP's own, 80.
    return host != null && (List.of("127.0.0.1:" + port(), "localhost:" + port()).contains(host)
        || (port() == 80 && List.of("127.0.0.1", "localhost").contains(host)));
  }

  private boolean matches(String candidate) {
    return MessageDigest.isEqual(candidate.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
  }

  private Optional<String> cookie(HttpExchange exchange) {
    for (String header : exchange.getRequestHeaders().getOrDefault("Cookie", List.of())) {
      for (String pair : Splitter.on(';').trimResults().split(header)) {
        List<String> kv = Splitter.on('=').limit(2).splitToList(pair);
        if (kv.size() == 2 && kv.get(0).equals(cookieName)) {
          return Optional.of(kv.get(1));
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<String> query(URI uri, String name) {
    String query = uri.getRawQuery();
    if (query == null) {
      return Optional.empty();
    }
    for (String pair : Splitter.on('&').split(query)) {
      List<String> kv = Splitter.on('=').limit(2).splitToList(pair);
      if (kv.size() == 2 && kv.get(0).equals(name)) {
        return Optional.of(kv.get(1));
      }
    }
    return Optional.empty();
  }

  @Override
  public void close() {
    closing = true;
    server.stop(1);
    executor.shutdownNow();
  }
}
