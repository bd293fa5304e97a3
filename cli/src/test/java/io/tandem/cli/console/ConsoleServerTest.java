package io.tandem.cli.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.cli.pair.ManagementOption;
import io.tandem.common.security.TlsFlags;
import io.tandem.protocol.link.HostPort;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Who the console answers: only requests at its loopback address that carry this run's token. */
class ConsoleServerTest {
  private static final Pattern STATUS = Pattern.compile("^HTTP/1\\.1 (\\d{3})");
  private static final Pattern COOKIE = Pattern.compile("Set-Cookie: ([^;\\r\\n]+)", Pattern.CASE_INSENSITIVE);

  private ConsoleFeed feed;
  private ConsoleServer server;

  @BeforeEach
  void start() throws IOException {
    ConsoleCommand command = CommandLine.populateCommand(new ConsoleCommand(), "--management", "localhost:1",
        "--insecure");
    ManagementOption management = command.management;
    TlsFlags tls = command.tls;
    feed = new ConsoleFeed(management, tls, List.of(HostPort.parse("localhost:1")), "confserv", List.of());
    server = new ConsoleServer(feed, 0);
  }

  @AfterEach
  void stop() {
    server.close();
    feed.close();
  }

  private String host() {
    return "127.0.0.1:" + server.port();
  }

  private String token() {
    return server.url().substring(server.url().indexOf("token=") + "token=".length());
  }

  /** The raw answer to {@code request}: what a browser, or a page elsewhere, could send. */
  private String send(String request) throws IOException {
    try (Socket socket = new Socket(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), server.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static int status(String answer) {
    Matcher m = STATUS.matcher(answer);
    assertThat(m.find()).as(answer).isTrue();
    return Integer.parseInt(m.group(1));
  }

  private String get(String path, String host, String cookie) throws IOException {
    return send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + (cookie.isEmpty() ? "" : "Cookie: " + cookie + "\r\n")
        + "Connection: close\r\n\r\n");
  }

  private String cookie() throws IOException {
    String answer = get("/?token=" + token(), host(), "");
    assertThat(status(answer)).isEqualTo(303);
    Matcher m = COOKIE.matcher(answer);
    assertThat(m.find()).as(answer).isTrue();
    assertThat(answer).containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Strict");
    return m.group(1);
  }

  @Test
  void withoutTheTokenEveryPathIsRefused() throws IOException {
    for (String path : List.of("/", "/console.js", "/api/state", "/api/stream", "/?token=wrong")) {
      assertThat(status(get(path, host(), ""))).as(path).isEqualTo(403);
    }
    assertThat(status(get("/api/state", host(), "tandem_console_" + server.port() + "=wrong"))).isEqualTo(403);
  }

  @Test
  void theTokenInTheUrlGivesACookieThatOpensThePageAndTheState() throws IOException {
    String cookie = cookie();
    String page = get("/", host(), cookie);
    assertThat(status(page)).isEqualTo(200);
    assertThat(page).containsIgnoringCase("Content-Security-Policy: default-src 'self'").contains("<title>Tandem console</title>");
    assertThat(status(get("/console.js", host(), cookie))).isEqualTo(200);
    assertThat(status(get("/api/state", host(), cookie))).isEqualTo(200);
    assertThat(status(get("/nothing-here", host(), cookie))).isEqualTo(404);
  }

  @Test
  void aRequestNamingAnotherHostIsRefusedEvenWithTheCookie() throws IOException {
    String cookie = cookie();
    assertThat(status(get("/api/state", "attacker.example:" + server.port(), cookie))).isEqualTo(403);
    assertThat(status(get("/?token=" + token(), "attacker.example:" + server.port(), ""))).isEqualTo(403);
    assertThat(status(get("/api/state", "localhost:" + server.port(), cookie))).isEqualTo(200);
  }

  @Test
  void aSwitchoverMustBeAPostOfJsonFromThisOrigin() throws IOException {
    String cookie = cookie();
    String body = "{\"application\": \"StatServer_A\"}";
    assertThat(status(get("/api/switchover", host(), cookie))).isEqualTo(405);
    assertThat(status(post(cookie, "application/x-www-form-urlencoded", "", "application=StatServer_A")))
        .as("a form").isEqualTo(403);
    assertThat(status(post(cookie, "application/json", "http://attacker.example", body))).as("another origin")
        .isEqualTo(403);
    String badName = post(cookie, "application/json", "http://" + host(), "{\"application\": \"no spaces\"}");
    assertThat(status(badName)).isEqualTo(400);
    assertThat(badName).contains("application: 'no spaces' is not an application name");
    assertThat(status(post(cookie, "application/json", "http://" + host(), "[1,"))).isEqualTo(400);
  }

  private String post(String cookie, String type, String origin, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    return send("POST /api/switchover HTTP/1.1\r\nHost: " + host() + "\r\nCookie: " + cookie + "\r\nContent-Type: "
        + type + "\r\n" + (origin.isEmpty() ? "" : "Origin: " + origin + "\r\n") + "Content-Length: " + bytes.length
        + "\r\nConnection: close\r\n\r\n" + body);
  }
}
