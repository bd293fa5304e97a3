package io.tandem.common.events;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tandem.events.v1.EventsServiceGrpc;
import io.tandem.events.v1.ListEventsReply;
import io.tandem.events.v1.ListEventsRequest;
import io.tandem.events.v1.ServiceEvent;

/** {@code tandem.events.v1.EventsService}: a service's {@link RecentEvents} over gRPC. */
public final class EventsServiceImpl extends EventsServiceGrpc.EventsServiceImplBase {
  private final RecentEvents events;

  public EventsServiceImpl(RecentEvents events) {
    this.events = events;
  }

  @Override
  public void listEvents(ListEventsRequest request, StreamObserver<ListEventsReply> reply) {
    if (!valid(request, reply)) {
      return;
    }
    reply.onNext(events.list(request));
    reply.onCompleted();
  }

  @Override
  public void watchEvents(ListEventsRequest request, StreamObserver<ServiceEvent> stream) {
    if (!valid(request, stream)) {
      return;
    }
    events.watch(request, (ServerCallStreamObserver<ServiceEvent>) stream);
  }

  private static boolean valid(ListEventsRequest request, StreamObserver<?> reply) {
    if (request.getAfterPosition() < 0 || request.getSinceMs() < 0) {
      reply.onError(Status.INVALID_ARGUMENT.withDescription(request.getAfterPosition() < 0
          ? "after_position: must be 0 or more, got " + request.getAfterPosition()
          : "since_ms: must be 0 or more, got " + request.getSinceMs()).asRuntimeException());
      return false;
    }
    return true;
  }
}
