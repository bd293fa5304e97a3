package io.tandem.it;

import io.grpc.ManagedChannel;
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
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

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

  /**
   * One watch stream on a member: the last serving change the member had recorded just before the
   * stream subscribed (empty: none yet), and what the stream showed.
   */
  private record Subscription(String member, Optional<ServingChange> recordedBefore, List<Boolean> shown) {}

  private final List<Change> changes = new CopyOnWriteArrayList<>();
  private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService retry = Executors.newSingleThreadScheduledExecutor();
  private final List<String> members = new ArrayList<>();
  private volatile boolean closed;

  /** Watches {@code member}; {@code records} reads its serving changes, before each (re)subscription. */
  void watch(String member, ManagedChannel channel, Supplier<List<ServingChange>> records) {
    members.add(member);
    subscribe(member, channel, records);
  }

  private void subscribe(String member, ManagedChannel channel, Supplier<List<ServingChange>> records) {
    List<ServingChange> recorded;
    try {
      recorded = records.get();
    } catch (RuntimeException unreadable) {
      // Not watched until its record can be read: a stream is judged from where the record stood.
      subscribeLater(member, channel, records);
      return;
    }
    Optional<ServingChange> before =
        recorded.isEmpty() ? Optional.empty() : Optional.of(recorded.get(recorded.size() - 1));
    Subscription subscription = new Subscription(member, before, new CopyOnWriteArrayList<>());
    subscriptions.add(subscription);
    HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
      @Override
      public void onNext(HealthCheckResponse response) {
        boolean serving = response.getStatus() == HealthCheckResponse.ServingStatus.SERVING;
        subscription.shown().add(serving);
        changes.add(new Change(System.nanoTime(), member, serving));
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
        subscribeLater(member, channel, records);
      }
    });
  }

  /** Tries {@link #subscribe} again a little later, unless the timeline is closed. */
  private void subscribeLater(String member, ManagedChannel channel, Supplier<List<ServingChange>> records) {
    if (!closed) {
      Scheduled.after(retry, "subscribe to the health of " + member, Duration.ofMillis(100),
          () -> subscribe(member, channel, records));
    }
  }

  /** Whether every watched member has reported at least once. */
  boolean started() {
    return members.stream().allMatch(m -> changes.stream().anyMatch(c -> c.member().equals(m)));
  }

  /** How many watch streams on {@code member} have answered: more than one after a stream broke. */
  long streamsAnswered(String member) {
    return subscriptions.stream().filter(sub -> sub.member().equals(member) && !sub.shown().isEmpty()).count();
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
   * now. Each member times a stop before its health turns and a start after, on the clock the
   * members share (one host's), so its record can only shorten a serving span: no arrival order is
   * involved, and a dark span of a millisecond or more cannot be missed (one member stopping and the
   * other starting in the same millisecond counts as none). For members that stay up: a process
   * that died reports nothing.
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
   * line per stream that differs: empty when each stream showed, in order, the changes its member
   * recorded from where its record stood when the stream subscribed (or up to two changes later: a
   * stream's first answer is the status when it subscribed, just after that read) up to where it
   * stood when the next stream subscribed, the last stream ending at the last recorded change. A
   * stream may lag its member; a difference that lasts is a health change the member did not
   * record, which {@link #darkMillisByServers} would miss. A stream that broke is the watcher's:
   * each stream is judged on its own.
   */
  List<String> unexplained(Map<String, ServerInfo> infos) {
    List<String> lines = new ArrayList<>();
    for (String member : members) {
      List<ServingChange> recorded = infos.get(member).getServingChangesList();
      // Health starts NOT_SERVING before anything is recorded; then each recorded change.
      List<Boolean> values = new ArrayList<>(List.of(false));
      recorded.forEach(change -> values.add(change.getServing()));
      List<Boolean> record = collapsed(values);
      int[] collapsedAt = collapsedIndexes(values);
      List<Subscription> streams = subscriptions.stream().filter(sub -> sub.member().equals(member)).toList();
      for (int n = 0; n < streams.size(); n++) {
        int from = position(streams.get(n), recorded, collapsedAt);
        boolean last = n == streams.size() - 1;
        int to = last ? record.size() - 1 : position(streams.get(n + 1), recorded, collapsedAt);
        if (from < 0 || to < 0) {
          lines.add(member + ": its record of serving changes (" + recorded.size() + " kept) no longer holds the one"
              + " read before watch " + (n + 1) + " or the next");
          continue;
        }
        List<Boolean> shown = collapsed(streams.get(n).shown());
        if (!shows(record, from, to, shown, last)) {
          lines.add(member + ": watch " + (n + 1) + " of " + streams.size() + " showed serving " + shown
              + ", the member recorded " + record.subList(from, to + 1));
        }
      }
    }
    return lines;
  }

  /** Where in the collapsed record {@code stream}'s member stood when it subscribed; -1 if no longer kept. */
  private static int position(Subscription stream, List<ServingChange> recorded, int[] collapsedAt) {
    if (stream.recordedBefore().isEmpty()) {
      return 0;
    }
    int index = recorded.indexOf(stream.recordedBefore().get());
    return index < 0 ? -1 : collapsedAt[index + 1];
  }

  /**
   * Whether {@code shown} (changes, alternating) is a run of {@code record} (alternating) starting
   * at {@code from} or up to two changes after it, and ending by {@code to}; for the last stream,
   * ending at {@code to}.
   */
  static boolean shows(List<Boolean> record, int from, int to, List<Boolean> shown, boolean last) {
    if (shown.isEmpty()) {
      return !last;
    }
    for (int start = from; start <= Math.min(to, from + 2); start++) {
      int end = start + shown.size() - 1;
      if (record.get(start).equals(shown.get(0)) && (last ? end == to : end <= to)) {
        return true;
      }
    }
    return false;
  }

  /** For each value, the index of the change it belongs to among {@link #collapsed} values. */
  private static int[] collapsedIndexes(List<Boolean> values) {
    int[] at = new int[values.size()];
    int index = -1;
    for (int i = 0; i < values.size(); i++) {
      if (i == 0 || !values.get(i).equals(values.get(i - 1))) {
        index++;
      }
      at[i] = index;
    }
    return at;
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
