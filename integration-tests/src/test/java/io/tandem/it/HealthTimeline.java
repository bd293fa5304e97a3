package io.tandem.it;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.tandem.common.concurrent.Scheduled;
import io.tandem.stat.v1.ServerInfo;
import io.tandem.stat.v1.ServingChange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Watches {@code grpc.health.v1} on both client ports of a pair (server-pushed Watch streams)
 * and records every change, so a test can tell whether, and for how long, neither member was
 * SERVING. A broken watch counts as NOT_SERVING from the moment it broke.
 *
 * <p>Two streams from two processes arrive in no causal order: a member's SERVING can reach the
 * watcher after its partner's NOT_SERVING that it caused, and {@link #darkMillis} then counts a
 * dark span no server had. Scenarios whose members stay up therefore judge the pair by the
 * servers' own clocks ({@link #darkMillisByServers}) and check, member by member, that the watch
 * showed what the member recorded ({@link #unexplained}); {@link #darkMillis} is what a watching
 * client saw, printed beside them.
 */
final class HealthTimeline implements AutoCloseable {
  record Change(long nanos, String member, boolean serving) {}

  private final List<Change> changes = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService retry = Executors.newSingleThreadScheduledExecutor();
  private final List<String> members = new ArrayList<>();
  private volatile boolean closed;

  void watch(String member, ManagedChannel channel) {
    members.add(member);
    subscribe(member, channel);
  }

  private void subscribe(String member, ManagedChannel channel) {
    HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
      @Override
      public void onNext(HealthCheckResponse response) {
        changes.add(new Change(System.nanoTime(), member, response.getStatus() == HealthCheckResponse.ServingStatus.SERVING));
      }

      @Override
      public void onError(Throwable t) {
        broken();
      }

      @Override
      public void onCompleted() {
        broken();
      }

      private void broken() {
        changes.add(new Change(System.nanoTime(), member, false));
        if (!closed) {
          Scheduled.after(retry, "subscribe to health", Duration.ofMillis(100), () -> subscribe(member, channel));
        }
      }
    });
  }

  /** Whether every watched member has reported at least once. */
  boolean started() {
    return members.stream().allMatch(m -> changes.stream().anyMatch(c -> c.member().equals(m)));
  }

  /** Whether {@code member} reported NOT_SERVING at some point. */
  boolean everNotServing(String member) {
    return changes.stream().anyMatch(c -> c.member().equals(member) && !c.serving());
  }

  /**
   * Milliseconds during which no member was SERVING, counted from when all members were first
   * seen SERVING together until now, in the order the changes arrived here.
   */
  double darkMillis() {
    List<Change> seen = List.copyOf(changes);
    return dark(seen.stream().map(c -> new Timed(c.nanos(), members.indexOf(c.member()), c.serving())).toList(),
        members.size(), System.nanoTime()) / 1_000_000.0;
  }

  /**
   * Milliseconds during which no member was serving, by the servers' own clocks (each one's
   * {@code serving_changes} in GetServerInfo), from when all were first serving together until
   * now. No arrival order is involved, so a short dark span can be neither invented nor missed;
   * for members that stay up (a process that died reports nothing).
   */
  static double darkMillisByServers(List<ServerInfo> members) {
    List<Timed> all = new ArrayList<>();
    for (int m = 0; m < members.size(); m++) {
      for (ServingChange change : members.get(m).getServingChangesList()) {
        all.add(new Timed(change.getAtMs(), m, change.getServing()));
      }
    }
    // At the same millisecond, one member starting and the other stopping is no dark span.
    all.sort(Comparator.comparingLong(Timed::at).thenComparing(t -> !t.serving()));
    return dark(all, members.size(), System.currentTimeMillis());
  }

  /**
   * What the watches showed that the members' records of their serving changes do not explain, one
   * line per member that differs: empty when each watch delivered, in order, the last changes its
   * member recorded. A watch may lag its member; a difference that lasts is a health change the
   * member did not record, which {@link #darkMillisByServers} would miss.
   */
  List<String> unexplained(Map<String, ServerInfo> infos) {
    List<Change> seen = List.copyOf(changes);
    List<String> lines = new ArrayList<>();
    for (String member : members) {
      List<Boolean> watched = seen.stream().filter(c -> c.member().equals(member)).map(Change::serving).toList();
      List<Boolean> recorded = infos.get(member).getServingChangesList().stream().map(ServingChange::getServing).toList();
      if (!endsWith(collapsed(recorded), collapsed(watched))) {
        lines.add(member + ": the watch showed serving " + collapsed(watched) + ", the member recorded "
            + collapsed(recorded));
      }
    }
    return lines;
  }

  /** The values without repeats in a row: the changes they make. */
  static List<Boolean> collapsed(List<Boolean> values) {
    List<Boolean> changes = new ArrayList<>();
    for (Boolean value : values) {
      if (changes.isEmpty() || !changes.get(changes.size() - 1).equals(value)) {
        changes.add(value);
      }
    }
    return changes;
  }

  static boolean endsWith(List<Boolean> whole, List<Boolean> tail) {
    return tail.size() <= whole.size() && whole.subList(whole.size() - tail.size(), whole.size()).equals(tail);
  }

  /** One member's change, at a time in some unit. */
  private record Timed(long at, int member, boolean serving) {}

  /** How long (in the changes' unit) no member served, from when all first served together until {@code now}. */
  private static long dark(List<Timed> changes, int members, long now) {
    Boolean[] serving = new Boolean[members];
    boolean started = false;
    long darkSince = -1;
    long dark = 0;
    for (Timed change : changes) {
      serving[change.member()] = change.serving();
      boolean anyServing = Arrays.stream(serving).anyMatch(Boolean.TRUE::equals);
      if (!started) {
        started = Arrays.stream(serving).allMatch(Boolean.TRUE::equals);
        continue;
      }
      if (!anyServing && darkSince < 0) {
        darkSince = change.at();
      } else if (anyServing && darkSince >= 0) {
        dark += change.at() - darkSince;
        darkSince = -1;
      }
    }
    return darkSince >= 0 ? dark + now - darkSince : dark;
  }

  @Override
  public void close() {
    closed = true;
    retry.shutdownNow();
  }
}
