package io.tandem.statserver.api;

import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
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
import io.tandem.statserver.stats.StatisticRefusedException;
import io.tandem.statserver.stats.StatisticsEngine;
import jakarta.inject.Inject;
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
    return ServerInterceptors.intercept(bindService(), new ReadinessGate(health));
  }

  @Override
  public StreamObserver<EventBatch> feed(StreamObserver<FeedProgress> responseObserver) {
    // Backpressure: a stream asks its producer for one batch at a time, and only once the
    // server's one feed budget admits it (what every stream's batches not yet applied take in
    // memory), so producers together cannot fill this server's memory, during a reload or not.
    ServerCallStreamObserver<FeedProgress> out = (ServerCallStreamObserver<FeedProgress>) responseObserver;
    out.disableAutoRequest();
    // The producer may go away while the engine still applies what it sent: nothing to tell then.
    out.setOnCancelHandler(() -> { });
    FeedStream stream = new FeedStream(out);
    engine.admitFeed(stream::more);
    return new StreamObserver<>() {
      /** A batch was refused: the call is over for this side, whatever else arrives. Transport thread only. */
      private boolean refused;

      @Override
      public void onNext(EventBatch batch) {
        if (refused) {
          return;
        }
        if (!batch.getProducerId().isEmpty()) {
          var problem = Names.problem(batch.getProducerId());
          if (problem.isPresent()) {
            refused = true;
            // Through the engine, like acknowledgements: after those of the batches before it.
            Status status = Status.INVALID_ARGUMENT.withDescription("producer_id: " + problem.get());
            engine.afterFeed(() -> stream.refuse(status));
            return;
          }
        }
        engine.feed(batch, stream.counters(), stream::acknowledge, stream::more);
      }

      @Override
      public void onError(Throwable t) {
        // The producer went away; what it sent is applied all the same.
      }

      @Override
      public void onCompleted() {
        if (!refused) {
          engine.afterFeed(stream::finish);
        }
      }
    };
  }

  @Override
  public void openStatistic(OpenStatisticRequest request, StreamObserver<StatisticValue> responseObserver) {
    ServerCallStreamObserver<StatisticValue> out = (ServerCallStreamObserver<StatisticValue>) responseObserver;
    StreamSink sink = new StreamSink(out);
    out.setOnCancelHandler(() -> {
      sink.cancelled();
      engine.forget(sink.statisticId());
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
    engine.close(request.getStatisticId(), Caller.current().identity()).whenComplete((closed, error) -> {
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
