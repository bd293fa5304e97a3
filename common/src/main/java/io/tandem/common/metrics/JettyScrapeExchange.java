package io.tandem.common.metrics;

import io.prometheus.metrics.exporter.common.PrometheusHttpExchange;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.exporter.common.PrometheusHttpResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Enumeration;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

/** One scrape as Prometheus' scrape handler reads and writes it, over a Jetty request and response. */
final class JettyScrapeExchange implements PrometheusHttpExchange {
  private final Request request;
  private final Response response;
  private OutputStream body;

  JettyScrapeExchange(Request request, Response response) {
    this.request = request;
    this.response = response;
  }

  @Override
  public PrometheusHttpRequest getRequest() {
    return new PrometheusHttpRequest() {
      @Override
      public String getQueryString() {
        return request.getHttpURI().getQuery();
      }

      @Override
      public Enumeration<String> getHeaders(String name) {
        return request.getHeaders().getValues(name);
      }

      @Override
      public String getMethod() {
        return request.getMethod();
      }

      @Override
      public String getRequestPath() {
        return Request.getPathInContext(request);
      }
    };
  }

  @Override
  public PrometheusHttpResponse getResponse() {
    return new PrometheusHttpResponse() {
      @Override
      public void setHeader(String name, String value) {
        response.getHeaders().put(name, value);
      }

      @Override
      public OutputStream sendHeadersAndGetBody(int status, int contentLength) {
        response.setStatus(status);
        if (contentLength > 0) {
          response.getHeaders().put(HttpHeader.CONTENT_LENGTH, contentLength);
        }
        body = Content.Sink.asOutputStream(response);
        return body;
      }
    };
  }

  /** A scraper gone or too slow: the connection ends, Jetty answers nothing more. */
  @Override
  public void handleException(IOException e) throws IOException {
    throw e;
  }

  /** A failure writing the metrics: Jetty answers 500 when nothing was sent yet. */
  @Override
  public void handleException(RuntimeException e) {
    throw e;
  }

  /** Ends the response's body (blocking until it is written). */
  @Override
  public void close() {
    if (body == null) {
      return;
    }
    try {
      body.close();
    } catch (IOException e) {
      throw new UncheckedIOException("the metrics response could not be completed", e);
    }
  }
}
