package io.tandem.common.metrics;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Every call a service's gRPC server takes, by service, method and final status, with its
 * handling time, under the names and labels of go-grpc-prometheus (so existing dashboards and
 * alerts apply): {@code grpc_server_started_total}, {@code grpc_server_handled_total},
 * {@code grpc_server_handling_seconds}. Label values come from the service's own method
 * descriptors and gRPC's status codes, so they are bounded. A streaming call's handling time is
 * the stream's life.
 */
public final class GrpcServerMetrics implements ServerInterceptor {
  private final Counter started;
  private final Counter handled;
  private final Histogram handling;

  public GrpcServerMetrics(PrometheusRegistry registry) {
    started = Counter.builder().name("grpc_server_started_total")
        .help("RPCs started on the server.").labelNames("grpc_type", "grpc_service", "grpc_method")
        .register(registry);
    handled = Counter.builder().name("grpc_server_handled_total")
        .help("RPCs completed on the server, whatever their status.")
        .labelNames("grpc_type", "grpc_service", "grpc_method", "grpc_code").register(registry);
    handling = Histogram.builder().name("grpc_server_handling_seconds").unit(Unit.SECONDS)
        .help("Time from the start of an RPC to its end on the server.")
        .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
        .classicOnly().labelNames("grpc_type", "grpc_service", "grpc_method").register(registry);
  }

  /**
   * Every method of {@code service} with zero calls (and code {@code OK}), as go-grpc-prometheus'
   * {@code InitializeMetrics} does: a method never called yet is a series at 0, not a gap, so
   * rates and alerts work from the first scrape.
   */
  public void initialize(ServerServiceDefinition service) {
    for (ServerMethodDefinition<?, ?> definition : service.getMethods()) {
      MethodDescriptor<?, ?> method = definition.getMethodDescriptor();
      String type = type(method.getType());
      String serviceName = String.valueOf(method.getServiceName());
      String name = String.valueOf(method.getBareMethodName());
      started.labelValues(type, serviceName, name);
      handled.labelValues(type, serviceName, name, Status.Code.OK.name());
      handling.labelValues(type, serviceName, name);
    }
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    MethodDescriptor<Q, R> method = call.getMethodDescriptor();
    String type = type(method.getType());
    String service = String.valueOf(method.getServiceName());
    String name = String.valueOf(method.getBareMethodName());
    started.labelValues(type, service, name).inc();
    long begin = System.nanoTime();
    AtomicBoolean ended = new AtomicBoolean();
    Consumer<Status.Code> end = code -> {
      if (ended.compareAndSet(false, true)) {
        handled.labelValues(type, service, name, code.name()).inc();
        handling.labelValues(type, service, name).observe((System.nanoTime() - begin) / 1e9);
      }
    };
    ServerCall.Listener<Q> listener = next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        end.accept(status.getCode());
        super.close(status, trailers);
      }
    }, headers);
    // A call the client cancels (or whose connection breaks) is never closed by the server.
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onCancel() {
        end.accept(Status.Code.CANCELLED);
        super.onCancel();
      }
    };
  }

  private static String type(MethodDescriptor.MethodType type) {
    return switch (type) {
      case UNARY -> "unary";
      case CLIENT_STREAMING -> "client_stream";
      case SERVER_STREAMING -> "server_stream";
      case BIDI_STREAMING -> "bidi_stream";
      case UNKNOWN -> "unknown";
    };
  }
}
