package io.tandem.cli.console;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tandem.cli.link.Endpoint;
import io.tandem.cli.pair.EventSources.Source;
import io.tandem.common.security.TlsFlags;
import io.tandem.events.v1.EventsServiceGrpc;
import io.tandem.events.v1.ListEventsRequest;
import io.tandem.events.v1.ServiceEvent;
import java.util.HashSet;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Follows one service's events: a watch from the time of the last event received, so a service
 * that restarted (its positions start again from 1) is followed on; what was already received at
 * that very millisecond is recognised and dropped.
 */
final class EventWatch implements AutoCloseable {
  private final Source source;
  private final TlsFlags tls;
  private final BiConsumer<Source, ServiceEvent> sink;
  private final Object lock = new Object();
  private Endpoint endpoint;
  private Context.CancellableContext watching;
  private boolean running;
  private long lastAtMs;
  /** What was received at {@link #lastAtMs}: position and id. */
  private final Set<String> receivedAtLast = new HashSet<>();
  private String problem = "";

  EventWatch(Source source, TlsFlags tls, long sinceMs, BiConsumer<Source, ServiceEvent> sink) {
    this.source = source;
    this.tls = tls;
    this.sink = sink;
    this.lastAtMs = sinceMs;
  }

  Source source() {
    return source;
  }

  /** Why the watch last ended, or empty. */
  String problem() {
    synchronized (lock) {
      return problem;
    }
  }

  /** Starts watching unless it watches already. */
  void ensureRunning() {
    synchronized (lock) {
      if (running) {
        return;
      }
      running = true;
      if (endpoint == null) {
        endpoint = new Endpoint(source.address(), source.identity(), tls);
      }
      watching = Context.current().withCancellation();
      ListEventsRequest request = ListEventsRequest.newBuilder().setSinceMs(lastAtMs).build();
      EventsServiceGrpc.EventsServiceStub stub = EventsServiceGrpc.newStub(endpoint.channel());
      watching.run(() -> stub.watchEvents(request, new StreamObserver<>() {
        @Override
        public void onNext(ServiceEvent event) {
          if (fresh(event)) {
            sink.accept(source, event);
          }
        }

        @Override
        public void onError(Throwable t) {
          ended(Status.fromThrowable(t).getCode() + ": " + Status.fromThrowable(t).getDescription());
        }

        @Override
        public void onCompleted() {
          ended("the service ended the watch");
        }
      }));
    }
  }

  private boolean fresh(ServiceEvent event) {
    synchronized (lock) {
      String key = event.getPosition() + " " + event.getId();
      if (event.getAtMs() < lastAtMs || (event.getAtMs() == lastAtMs && !receivedAtLast.add(key))) {
        return false;
      }
      if (event.getAtMs() > lastAtMs) {
        lastAtMs = event.getAtMs();
        receivedAtLast.clear();
        receivedAtLast.add(key);
      }
      problem = "";
      return true;
    }
  }

  private void ended(String why) {
    synchronized (lock) {
      running = false;
      problem = why;
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      if (watching != null) {
        watching.cancel(null);
      }
      if (endpoint != null) {
        endpoint.close();
      }
      running = true; // never again
    }
  }
}
