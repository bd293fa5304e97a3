package io.tandem.common.events;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.tandem.events.v1.Field;
import io.tandem.events.v1.ListEventsReply;
import io.tandem.events.v1.ListEventsRequest;
import io.tandem.events.v1.ServiceEvent;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A service's last catalogue events (log events with ids) in a bounded ring, numbered from 1, and
 * the watchers that follow them. It hears what {@link EventLog} writes in this process from
 * loggers under the service's own packages (several services share a JVM in tests and
 * benchmarks; their shared parts' events go to each). A watcher that leaves more than a ring's
 * worth of events unread is ended with {@code RESOURCE_EXHAUSTED}, naming the position to watch
 * again from, rather than buffered without bound.
 */
public final class RecentEvents implements EventLog.Listener {
  /** Events kept: about an hour of a busy pair's reloads, switchovers and alarms. */
  public static final int CAPACITY = 2_000;
  /**
   * Events in a row a watcher may leave in gRPC's buffer (its flow-control window full) before it
   * is taken for one that cannot follow: a replay of the whole ring fills the window at once.
   */
  static final int UNREAD_ALLOWED = CAPACITY;

  private final String service;
  private final List<String> loggerPrefixes;
  private final Clock clock;
  private final int capacity;
  private final Deque<ServiceEvent> ring = new ArrayDeque<>();
  private final List<ServerCallStreamObserver<ServiceEvent>> watchers = new ArrayList<>();
  /** Per watcher, events sent in a row while it was not ready. */
  private final java.util.Map<ServerCallStreamObserver<ServiceEvent>, Integer> unread = new java.util.HashMap<>();
  private long lastPosition;

  /** The events of {@code service}, written by loggers whose names start with one of {@code loggerPrefixes}. */
  public RecentEvents(String service, List<String> loggerPrefixes, Clock clock) {
    this(service, loggerPrefixes, clock, CAPACITY);
  }

  RecentEvents(String service, List<String> loggerPrefixes, Clock clock, int capacity) {
    this.service = service;
    this.loggerPrefixes = List.copyOf(loggerPrefixes);
    this.clock = clock;
    this.capacity = capacity;
  }

  /** Starts hearing events. */
  public void start() {
    EventLog.listen(this);
  }

  /** Stops hearing events and ends every watch. */
  public void stop() {
    EventLog.stopListening(this);
    endWatches();
  }

  /** Ends every watch with {@code UNAVAILABLE}: the server is shutting down, and waits for no stream. */
  public void endWatches() {
    List<ServerCallStreamObserver<ServiceEvent>> ending;
    synchronized (this) {
      ending = List.copyOf(watchers);
      watchers.clear();
      unread.clear();
    }
    ending.forEach(watcher -> end(watcher, Status.UNAVAILABLE.withDescription(service + " is stopping")));
  }

  @Override
  public void written(String loggerName, LogEvent event, List<Object> keysAndValues) {
    if (loggerPrefixes.stream().noneMatch(loggerName::startsWith)) {
      return;
    }
    ServiceEvent.Builder built = ServiceEvent.newBuilder().setAtMs(clock.millis()).setService(service)
        .setId(event.id()).setLevel(event.level().label()).setText(event.text());
    for (int i = 0; i + 1 < keysAndValues.size(); i += 2) {
      built.addFields(Field.newBuilder().setKey(String.valueOf(keysAndValues.get(i)))
          .setValue(String.valueOf(keysAndValues.get(i + 1))));
    }
    List<ServerCallStreamObserver<ServiceEvent>> behind = new ArrayList<>();
    synchronized (this) {
      ServiceEvent added = built.setPosition(++lastPosition).build();
      ring.addLast(added);
      if (ring.size() > capacity) {
        ring.removeFirst();
      }
      for (ServerCallStreamObserver<ServiceEvent> watcher : watchers) {
        int waiting = watcher.isReady() ? 0 : unread.getOrDefault(watcher, 0) + 1;
        if (watcher.isCancelled()) {
          behind.add(watcher);
        } else if (waiting > UNREAD_ALLOWED) {
          behind.add(watcher);
          end(watcher, Status.RESOURCE_EXHAUSTED.withDescription("too slow to follow the events of " + service
              + ": watch again with after_position " + (added.getPosition() - 1)));
        } else {
          unread.put(watcher, waiting);
          watcher.onNext(added);
        }
      }
      watchers.removeAll(behind);
      behind.forEach(unread::remove);
    }
  }

  /** The events held after {@code request}'s position and not before its time, oldest first. */
  public synchronized ListEventsReply list(ListEventsRequest request) {
    ListEventsReply.Builder reply = ListEventsReply.newBuilder()
        .setOldestPosition(ring.isEmpty() ? lastPosition + 1 : ring.peekFirst().getPosition());
    for (ServiceEvent event : ring) {
      if (matches(event, request)) {
        reply.addEvents(event);
      }
    }
    return reply.build();
  }

  /** Sends what {@link #list} would, then every new event, until the caller cancels. */
  public synchronized void watch(ListEventsRequest request, ServerCallStreamObserver<ServiceEvent> watcher) {
    watcher.setOnCancelHandler(() -> forget(watcher));
    for (ServiceEvent event : ring) {
      if (matches(event, request)) {
        watcher.onNext(event);
      }
    }
    watchers.add(watcher);
  }

  private synchronized void forget(ServerCallStreamObserver<ServiceEvent> watcher) {
    watchers.remove(watcher);
    unread.remove(watcher);
  }

  private static boolean matches(ServiceEvent event, ListEventsRequest request) {
    return event.getPosition() > request.getAfterPosition() && event.getAtMs() >= request.getSinceMs();
  }

  private static void end(ServerCallStreamObserver<ServiceEvent> watcher, Status status) {
    try {
      watcher.onError(status.asRuntimeException());
    } catch (IllegalStateException alreadyEnded) {
      // the caller went away meanwhile: nothing to end
    }
  }
}
