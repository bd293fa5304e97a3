package io.tandem.statserver.api;

import io.grpc.MethodDescriptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tandem.common.bootstrap.HealthState;
import io.tandem.common.config.Names;
import io.tandem.common.security.Caller;
import io.tandem.stat.v1.CloseStatisticReply;
import io.tandem.stat.v1.CloseStatisticRequest;
import io.tandem.stat.v1.EventBatch;
import io.tandem.stat.v1.FeedProgress;
import io.tandem.stat.v1.GetServerInfoRequest;
import io.tandem.stat.v1.GetStatisticRequest;
import io.tandem.stat.v1.OpenStatisticRequest;
import io.tandem.stat.v1.ServerInfo;
import io.tandem.stat.v1.StatServiceGrpc;
import io.tandem.stat.v1.StatisticValue;
import io.tandem.statserver.stats.FeedBatch;
import io.tandem.statserver.stats.FeedLane;
import io.tandem.statserver.stats.StatisticRefusedException;
import io.tandem.statserver.stats.StatisticsEngine;
import jakarta.inject.Inject;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * {@code tandem.stat.v1.StatService} on the client port. Its handlers run on the transport's
 * event loop, so none of them waits for anything: statistics are read from the engine's published
 * view, everything else is handed to the engine's thread, and server info is a published snapshot.
 */
public final class StatServiceImpl extends StatServiceGrpc.StatServiceImplBase {
  private final StatisticsEngine engine;
  private final ServerInfoSource serverInfo;
  private final HealthState health;

  @Inject
  public StatServiceImpl(StatisticsEngine engine, ServerInfoSource serverInfo, HealthState health) {
    this.engine = engine;
    this.serverInfo = serverInfo;
    this.health = health;
  }

  /** The service behind its readiness gate. */
  public ServerServiceDefinition gatedDefinition() {
    return ServerInterceptors.intercept(definition(), new ReadinessGate(health));
  }

  /**
   * The generated service, except that Feed reads its batches as received ({@link FeedBatch}),
   * to be parsed when they are applied: what a batch waiting to be applied takes is then its
   * size on the wire, which the feed budget can bound.
   */
  private ServerServiceDefinition definition() {
    ServerServiceDefinition generated = bindService();
    MethodDescriptor<EventBatch, FeedProgress> generatedFeed = StatServiceGrpc.getFeedMethod();
    MethodDescriptor<FeedBatch, FeedProgress> feed = generatedFeed.toBuilder(FeedBatch.MARSHALLER,
        generatedFeed.getResponseMarshaller()).build();
    List<ServerMethodDefinition<?, ?>> others = generated.getMethods().stream()
        .filter(m -> !m.getMethodDescriptor().getFullMethodName().equals(generatedFeed.getFullMethodName()))
        .toList();
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(StatServiceGrpc.SERVICE_NAME)
        .setSchemaDescriptor(generated.getServiceDescriptor().getSchemaDescriptor())
        .addMethod(feed);
    others.forEach(m -> descriptor.addMethod(m.getMethodDescriptor()));
    ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(descriptor.build())
        .addMethod(feed, ServerCalls.asyncBidiStreamingCall(this::feedBatches));
    others.forEach(definition::addMethod);
    return definition.build();
  }

  /** Feed, with batches as received: the definition above serves it instead of the generated {@code feed}. */
  private StreamObserver<FeedBatch> feedBatches(StreamObserver<FeedProgress> responseObserver) {
    // Backpressure: a call asks its producer for one batch at a time, and only once the server's
    // one feed budget admits it, so producers together cannot fill this server's memory, during
    // a reload or not.
    ServerCallStreamObserver<FeedProgress> out = (ServerCallStreamObserver<FeedProgress>) responseObserver;
    out.disableAutoRequest();
    FeedStream stream = new FeedStream(out);
    FeedLane lane = engine.openFeed(stream);
    // The producer went away, or the call ended: no batch comes any more. What it sent is applied all the same.
    out.setOnCancelHandler(() -> engine.closeFeed(lane));
    out.setOnCloseHandler(() -> engine.closeFeed(lane));
    return new StreamObserver<>() {
      @Override
      public void onNext(FeedBatch batch) {
        engine.feed(lane, batch);
      }

      @Override
      public void onError(Throwable t) {
        // The producer went away: the cancel handler gave its place up.
      }

      @Override
      public void onCompleted() {
        engine.closeFeed(lane);
        engine.afterFeed(stream::finish);
      }
    };
  }

  @Override
  public void openStatistic(OpenStatisticRequest request, StreamObserver<StatisticValue> responseObserver) {
    ServerCallStreamObserver<StatisticValue> out = (ServerCallStreamObserver<StatisticValue>) responseObserver;
    StreamSink sink = new StreamSink(out);
    out.setOnCancelHandler(() -> {
      sink.cancelled();
      engine.forget(sink::statisticId);
    });
    if (!checkObjectName(request.getObject().getName(), "object.name", out)) {
      return;
    }
    engine.open(request, Caller.current().identity(), sink);
  }

  @Override
  public void getStatistic(GetStatisticRequest request, StreamObserver<StatisticValue> out) {
    if (request.getTargetCase() == GetStatisticRequest.TargetCase.TARGET_NOT_SET) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("target: give a statistic_id or a spec").asRuntimeException());
      return;
    }
    if (request.hasSpec() && !checkObjectName(request.getSpec().getObject().getName(), "spec.object.name", out)) {
      return;
    }
    StatisticValue value;
    try {
      value = engine.get(request, Caller.current().identity());
    } catch (StatisticRefusedException e) {
      out.onError(e.status().asRuntimeException());
      return;
    }
    out.onNext(value);
    out.onCompleted();
  }

  @Override
  public void closeStatistic(CloseStatisticRequest request, StreamObserver<CloseStatisticReply> out) {
    if (request.getStatisticId().isBlank()) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("statistic_id: must not be empty").asRuntimeException());
      return;
    }
    // The reply is all the callback does; what it could throw is the transport's, reported there.
    var unused = engine.close(request.getStatisticId(), Caller.current().identity()).whenComplete((closed, error) -> {
      if (error != null) {
        out.onError(toStatus(error).asRuntimeException());
      } else if (!closed) {
        out.onError(StatisticsEngine.noSuchStatistic(request.getStatisticId()).status().asRuntimeException());
      } else {
        out.onNext(CloseStatisticReply.getDefaultInstance());
        out.onCompleted();
      }
    });
  }

  @Override
  public void getServerInfo(GetServerInfoRequest request, StreamObserver<ServerInfo> out) {
    out.onNext(serverInfo.serverInfo());
    out.onCompleted();
  }

  /** Refuses a name that could not be an object's (too long, control characters); false when refused. */
  private static boolean checkObjectName(String name, String field, StreamObserver<?> out) {
    if (name.isEmpty()) {
      return true; // "no such object" is the engine's answer
    }
    var problem = Names.problem(name);
    problem.ifPresent(p -> out.onError(Status.INVALID_ARGUMENT.withDescription(field + ": " + p).asRuntimeException()));
    return problem.isEmpty();
  }

  private static Status toStatus(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof StatisticRefusedException refused) {
      return refused.status();
    }
    return Status.INTERNAL.withDescription(cause.toString()).withCause(cause);
  }
}
