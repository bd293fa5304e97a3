package io.tandem.cli.pair;

import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.tandem.cli.link.Endpoint;
import io.tandem.cli.pair.EventSources.Source;
import io.tandem.common.security.TlsFlags;
import io.tandem.events.v1.EventsServiceGrpc;
import io.tandem.events.v1.ListEventsRequest;
import io.tandem.events.v1.ServiceEvent;
import io.tandem.management.v1.GetPairsRequest;
import io.tandem.protocol.log.EventLog;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tandem events}: the recent catalogue events of every service, merged into one stream in time order. */
@Command(name = "events", mixinStandardHelpOptions = true,
    description = {"Print the recent events (log events with ids) of the Config Servers, the Management Layers and every",
        "Stat Server the leading Management Layer knows, merged in time order. With --follow, keep printing new ones",
        "(each once it is two seconds old, so events of different services still come out in time order)."})
public final class EventsCommand implements Callable<Integer> {
  /** How long a followed event waits for an older one from another service before it is printed. */
  private static final Duration REORDER = Duration.ofSeconds(2);
  private static final Comparator<Sourced> IN_TIME = Comparator.comparingLong((Sourced e) -> e.event().getAtMs())
      .thenComparing(Sourced::source).thenComparingLong(e -> e.event().getPosition());

  @Mixin
  ManagementOption management;

  @Mixin
  TlsFlags tls;

  @Mixin
  ConfigServersOption configServers;

  @Option(names = "--since", paramLabel = "DURATION", converter = SinceConverter.class,
      description = "Only events of the last DURATION (30s, 10m, 2h; default: all each service holds).")
  Duration since;

  @Option(names = "--follow", description = "Keep printing new events until interrupted (or --seconds).")
  boolean follow;

  @Option(names = "--seconds", paramLabel = "N",
      description = "With --follow: stop after N seconds (default: until interrupted).")
  Integer seconds;

  /** An event and the service it came from. */
  record Sourced(String source, ServiceEvent event) {}

  @Override
  public Integer call() throws Exception {
    if (seconds != null && (!follow || seconds < 1)) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "--seconds: needs --follow and a number of seconds of 1 or more");
    }
    List<Source> sources = sources();
    ListEventsRequest request = ListEventsRequest.newBuilder()
        .setSinceMs(since == null ? 0 : Instant.now().minus(since).toEpochMilli()).build();
    return follow ? follow(sources, request) : list(sources, request);
  }

  /** Whether the Stat Servers could be found (the leading Management Layer answered). */
  private boolean statServersFound = true;

  /** The Config Servers, the Management Layers, and the Stat Servers the leader knows of. */
  private List<Source> sources() {
    List<Source> sources = new ArrayList<>(EventSources.services(
        configServers.addresses(), configServers.identity(), management));
    try (Endpoint leader = management.open(tls)) {
      sources.addAll(EventSources.statServers(
          ManagementOption.stub(leader).getPairs(GetPairsRequest.getDefaultInstance()).getPairsList()));
    } catch (StatusRuntimeException e) {
      statServersFound = false;
      System.err.println("The Management Layer at " + management.address() + " did not answer (" + e.getStatus().getCode()
          + "): the Stat Servers' events are not shown.");
    }
    return sources;
  }

  private int list(List<Source> sources, ListEventsRequest request) {
    List<Sourced> all = new ArrayList<>();
    boolean complete = held(sources, request, all, new long[sources.size()]);
    all.sort(IN_TIME);
    all.forEach(event -> System.out.println(render(event)));
    return complete && statServersFound ? 0 : 1;
  }

  /**
   * What each source holds of {@code request}, added to {@code into}; each one's last position in
   * {@code lastPositions}. False when a source did not answer (named on stderr).
   */
  private boolean held(List<Source> sources, ListEventsRequest request, List<Sourced> into, long[] lastPositions) {
    boolean complete = true;
    for (int i = 0; i < sources.size(); i++) {
      Source source = sources.get(i);
      try (Endpoint endpoint = new Endpoint(source.address(), source.identity(), tls)) {
        for (ServiceEvent event : EventsServiceGrpc.newBlockingStub(endpoint.channel())
            .withDeadlineAfter(Endpoint.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).listEvents(request)
            .getEventsList()) {
          into.add(new Sourced(source.name(), event));
          lastPositions[i] = Math.max(lastPositions[i], event.getPosition());
        }
      } catch (StatusRuntimeException e) {
        complete = false;
        System.err.println(source.name() + " did not answer (" + e.getStatus().getCode() + "): its events are not shown.");
      }
    }
    return complete;
  }

  /**
   * What every source holds, merged and printed in time order; then each one's new events from
   * the position after its last one held, each printed once it is {@link #REORDER} old.
   */
  private int follow(List<Source> sources, ListEventsRequest request) throws InterruptedException {
    List<Sourced> held = new ArrayList<>();
    long[] lastPositions = new long[sources.size()];
    boolean complete = held(sources, request, held, lastPositions);
    held.sort(IN_TIME);
    held.forEach(event -> System.out.println(render(event)));
    System.out.flush();
    PriorityQueue<Sourced> pending = new PriorityQueue<>(IN_TIME);
    AtomicInteger failed = new AtomicInteger(complete && statServersFound ? 0 : 1);
    List<Endpoint> endpoints = new ArrayList<>();
    Context.CancellableContext watching = Context.current().withCancellation();
    try {
      for (int i = 0; i < sources.size(); i++) {
        Source source = sources.get(i);
        ListEventsRequest after = request.toBuilder().setAfterPosition(lastPositions[i]).build();
        Endpoint endpoint = new Endpoint(source.address(), source.identity(), tls);
        endpoints.add(endpoint);
        watching.run(() -> EventsServiceGrpc.newStub(endpoint.channel()).watchEvents(after,
            new StreamObserver<ServiceEvent>() {
              @Override
              public void onNext(ServiceEvent event) {
                synchronized (pending) {
                  pending.add(new Sourced(source.name(), event));
                }
              }

              @Override
              public void onError(Throwable t) {
                if (!watching.isCancelled()) {
                  failed.incrementAndGet();
                  System.err.println(source.name() + " stopped answering (" + io.grpc.Status.fromThrowable(t)
                      + "): its events are no longer shown.");
                }
              }

              @Override
              public void onCompleted() {
              }
            }));
      }
      long end = seconds == null ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < end) {
        printOlderThan(pending, System.currentTimeMillis() - REORDER.toMillis());
        TimeUnit.MILLISECONDS.sleep(100);
      }
      printOlderThan(pending, Long.MAX_VALUE);
      return failed.get() == 0 ? 0 : 1;
    } finally {
      watching.cancel(null);
      endpoints.forEach(Endpoint::close);
    }
  }

  private static void printOlderThan(PriorityQueue<Sourced> pending, long atMs) {
    synchronized (pending) {
      while (!pending.isEmpty() && pending.peek().event().getAtMs() < atMs) {
        System.out.println(render(pending.poll()));
      }
      System.out.flush();
    }
  }

  static String render(Sourced sourced) {
    ServiceEvent event = sourced.event();
    String fields = event.getFieldsList().stream().map(f -> f.getKey() + "=" + EventLog.value(f.getValue()))
        .collect(Collectors.joining(", "));
    return String.format("%s %-30s %s %s %s%s", TimeOfDay.of(event.getAtMs()), sourced.source(),
        event.getLevel(), event.getId(), event.getText(), fields.isEmpty() ? "" : "; " + fields);
  }

  /** {@code 30s}, {@code 10m}, {@code 2h}, {@code 1d}. */
  static final class SinceConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      String v = value.trim().toLowerCase(Locale.ROOT);
      try {
        Duration parsed = v.endsWith("d") ? Duration.ofDays(Long.parseLong(v.substring(0, v.length() - 1)))
            : Duration.parse("PT" + v.toUpperCase(Locale.ROOT));
        if (parsed.isNegative() || parsed.isZero() || parsed.compareTo(Duration.ofDays(3650)) > 0) {
          throw new IllegalArgumentException("not between a second and ten years");
        }
        return parsed;
      } catch (RuntimeException e) {
        throw new picocli.CommandLine.TypeConversionException(
            "--since: '" + value + "' is not a duration such as 30s, 10m, 2h or 1d (up to ten years)");
      }
    }
  }
}
