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
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Follows one service's events. A live stream delivers each event once, in position order (its
 * times may step back a little: a service stamps an event before it takes its place); after the
 * stream ends the watch starts again from {@link #OVERLAP} before the newest time received, so a
 * service that restarted (its positions start again from 1) is followed on, and what was received
 * already in that overlap is recognised by its time, position and id and dropped.
 */
final class EventWatch implements AutoCloseable {
  /** How far back a new watch starts: more than the steps back of a service's stamps. */
  private static final long OVERLAP = 10_000;

  private final Source source;
  private final TlsFlags tls;
  private final BiConsumer<Source, ServiceEvent> sink;
  private final Object lock = new Object();
  private Endpoint endpoint;
  private Context.CancellableContext watching;
  private boolean running;
  private boolean closed;
  private long newestAtMs;
  /** The keys of the events received within {@link #OVERLAP} of the newest, oldest first. */
  private final Map<String, Long> recent = new LinkedHashMap<>();
  private String problem = "";

  EventWatch(Source source, TlsFlags tls, long sinceMs, BiConsumer<Source, ServiceEvent> sink) {
    this.source = source;
    this.tls = tls;
    this.sink = sink;
    this.newestAtMs = sinceMs + OVERLAP;
  }

  Source source() {
    return source;
  }

  /** Why the watch last ended or could not start, until an event comes again; empty while it delivers. */
  String problem() {
    synchronized (lock) {
      return problem;
    }
  }

  /** Starts watching unless it watches already; what stops it from starting becomes its {@link #problem}. */
  void ensureRunning() {
    synchronized (lock) {
      if (running || closed) {
        return;
      }
      release();
      try {
        endpoint = new Endpoint(source.address(), source.identity(), tls);
        watching = Context.current().withCancellation();
        ListEventsRequest request = ListEventsRequest.newBuilder().setSinceMs(newestAtMs - OVERLAP).build();
        EventsServiceGrpc.EventsServiceStub stub = EventsServiceGrpc.newStub(endpoint.channel());
        Context.CancellableContext context = watching;
        running = true; // before the call: an end reported at once must not be overwritten
        context.run(() -> stub.watchEvents(request, new StreamObserver<>() {
          @Override
          public void onNext(ServiceEvent event) {
            if (fresh(event)) {
              sink.accept(source, event);
            }
          }

          @Override
          public void onError(Throwable t) {
            Status status = Status.fromThrowable(t);
            ended(context, status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription()));
          }

          @Override
          public void onCompleted() {
            ended(context, "the service ended the watch");
          }
        }));
      } catch (RuntimeException e) {
        running = false;
        problem = "cannot watch: " + e.getMessage();
        release();
      }
    }
  }

  private boolean fresh(ServiceEvent event) {
    synchronized (lock) {
      String key = event.getAtMs() + " " + event.getPosition() + " " + event.getId();
      if (recent.putIfAbsent(key, event.getAtMs()) != null) {
        return false;
      }
      newestAtMs = Math.max(newestAtMs, event.getAtMs());
      problem = "";
      for (Iterator<Long> at = recent.values().iterator(); at.hasNext() && at.next() < newestAtMs - 2 * OVERLAP; ) {
        at.remove();
      }
      return true;
    }
  }

  private void ended(Context.CancellableContext context, String why) {
    synchronized (lock) {
      if (context == watching) {
        running = false; // the next start closes this channel: not here, on its own thread
        problem = why;
      }
    }
  }

  /** Closes the channel: the next start opens a new one, with the certificates as they are then. */
  private void release() {
    if (watching != null) {
      watching.cancel(null);
      watching = null;
    }
    if (endpoint != null) {
      endpoint.close();
      endpoint = null;
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      release();
    }
  }
}
