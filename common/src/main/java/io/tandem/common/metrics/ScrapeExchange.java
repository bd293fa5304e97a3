package io.tandem.common.metrics;

import io.prometheus.metrics.exporter.common.PrometheusHttpExchange;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.exporter.common.PrometheusHttpResponse;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/1.1 request and its response on a connection of the metrics port, as Prometheus'
 * scrape handler reads and writes them. The response closes the connection
 * ({@code Connection: close}): a scrape every few seconds needs no more.
 */
final class ScrapeExchange implements PrometheusHttpExchange {
  private static final Logger LOG = LoggerFactory.getLogger(ScrapeExchange.class);
  /** The request line and the headers together; a scraper sends a few hundred bytes. */
  static final int MAX_HEAD_BYTES = 16 * 1024;

  private final String method;
  private final String path;
  private final String query;
  private final Map<String, List<String>> headers;
  private final OutputStream out;
  private final Map<String, String> responseHeaders = new LinkedHashMap<>();
  private boolean responded;

  private ScrapeExchange(String method, String path, String query, Map<String, List<String>> headers, OutputStream out) {
    this.method = method;
    this.path = path;
    this.query = query;
    this.headers = headers;
    this.out = out;
  }

  /**
   * Reads a request's line and headers from {@code in}.
   *
   * @throws BadRequest when it is not an HTTP/1.x request or its head is longer than {@link #MAX_HEAD_BYTES}
   */
  static ScrapeExchange read(InputStream in, OutputStream out) throws IOException {
    List<String> lines = head(in);
    String[] requestLine = lines.get(0).split(" ");
    if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/1.")) {
      throw new BadRequest("not an HTTP/1.x request line");
    }
    String target = requestLine[1];
    int mark = target.indexOf('?');
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new BadRequest("a header line without a name");
      }
      headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), name -> new ArrayList<>())
          .add(line.substring(colon + 1).trim());
    }
    return new ScrapeExchange(requestLine[0], mark < 0 ? target : target.substring(0, mark),
        mark < 0 ? null : target.substring(mark + 1), headers, new BufferedOutputStream(out));
  }

  /** The request line and header lines, up to the empty line that ends them. */
  private static List<String> head(InputStream in) throws IOException {
    List<String> lines = new ArrayList<>();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int total = 0;
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new BadRequest("the connection ended before the request's headers did");
      }
      if (++total > MAX_HEAD_BYTES) {
        throw new BadRequest("request headers longer than " + MAX_HEAD_BYTES + " bytes");
      }
      if (b == '\n') {
        String text = line.toString(StandardCharsets.ISO_8859_1);
        line.reset();
        text = text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
        if (text.isEmpty()) {
          if (lines.isEmpty()) {
            continue;
          }
          return lines;
        }
        lines.add(text);
      } else {
        line.write(b);
      }
    }
  }

  String method() {
    return method;
  }

  String path() {
    return path;
  }

  /** Answers with {@code status} and a short plain-text {@code body}. */
  void respond(int status, String body) throws IOException {
    byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
    responseHeaders.put("Content-Type", "text/plain; charset=utf-8");
    try (OutputStream body0 = sendHeaders(status, bytes.length)) {
      if (!method.equals("HEAD")) {
        body0.write(bytes);
      }
    }
  }

  @Override
  public PrometheusHttpRequest getRequest() {
    return new PrometheusHttpRequest() {
      @Override
      public String getQueryString() {
        return query;
      }

      @Override
      public Enumeration<String> getHeaders(String name) {
        return Collections.enumeration(headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of()));
      }

      @Override
      public String getMethod() {
        return method;
      }

      @Override
      public String getRequestPath() {
        return path;
      }
    };
  }

  @Override
  public PrometheusHttpResponse getResponse() {
    return new PrometheusHttpResponse() {
      @Override
      public void setHeader(String name, String value) {
        responseHeaders.put(name, value);
      }

      @Override
      public OutputStream sendHeadersAndGetBody(int status, int contentLength) throws IOException {
        return sendHeaders(status, contentLength);
      }
    };
  }

  /**
   * The status line and headers, then the body's stream: {@code contentLength} bytes when
   * positive, none when negative, and up to the connection's end when 0 (a compressed body).
   */
  private OutputStream sendHeaders(int status, int contentLength) throws IOException {
    if (responded) {
      throw new IOException("a response was sent already");
    }
    responded = true;
    if (contentLength > 0) {
      responseHeaders.put("Content-Length", String.valueOf(contentLength));
    } else if (contentLength < 0 && !responseHeaders.containsKey("Content-Length")) {
      responseHeaders.put("Content-Length", "0");
    }
    responseHeaders.put("Connection", "close");
    StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
    responseHeaders.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    head.append("\r\n");
    out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    return out;
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      default -> status >= 500 ? "Server Error" : "Status";
    };
  }

  @Override
  public void handleException(IOException e) throws IOException {
    LOG.debug("metrics scrape failed: {}", e.toString());
    if (!responded) {
      respond(500, "the metrics could not be written");
    }
  }

  @Override
  public void handleException(RuntimeException e) {
    LOG.warn("metrics scrape failed", e);
    if (!responded) {
      try {
        respond(500, "the metrics could not be written");
      } catch (IOException ignored) {
        // The scraper is gone; the connection closes after this anyway.
      }
    }
  }

  /** Flushes what was written; the connection is closed by its owner. */
  @Override
  public void close() {
    try {
      out.flush();
    } catch (IOException e) {
      LOG.debug("metrics response not flushed: {}", e.toString());
    }
  }

  /** A request this endpoint cannot read: answered 400. */
  static final class BadRequest extends IOException {
    BadRequest(String message) {
      super(message);
    }
  }
}
