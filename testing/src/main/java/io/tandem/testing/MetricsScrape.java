package io.tandem.testing;

import io.tandem.common.metrics.MetricsEndpoint;
import io.tandem.common.security.TransportSecurity;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Reads a service's metrics port as a Prometheus server does: HTTPS with a client certificate (plain HTTP with {@code --insecure}). */
public final class MetricsScrape {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private MetricsScrape() {}

  /**
   * The text a scrape of {@code localhost:port} as {@code identity} gets.
   *
   * @throws IOException when the port does not answer or answers anything but 200
   */
  public static String text(TransportSecurity identity, int port) throws IOException, InterruptedException {
    HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(TIMEOUT);
    if (!identity.isPlaintext()) {
      client.sslContext(identity.sslContext());
    }
    String url = (identity.isPlaintext() ? "http" : "https") + "://localhost:" + port + MetricsEndpoint.PATH;
    HttpResponse<String> response = client.build().send(HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException(url + " answered " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }
}
