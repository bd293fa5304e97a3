package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.StatusRuntimeException;
import io.tandem.client.MemberCalls;
import io.tandem.client.WarmStandbyClient;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.security.AccessRule;
import io.tandem.config.v1.ObjectType;
import io.tandem.stat.v1.GetStatisticRequest;
import io.tandem.stat.v1.StatObject;
import io.tandem.stat.v1.StatisticSpec;
import io.tandem.stat.v1.StatisticType;
import io.tandem.stat.v1.StatisticValue;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A routing client calling GetStatistic through a long-lived warm-standby client until stopped,
 * with a deadline per call (and a pause between calls, none unless given); every call is recorded
 * (when it started, how long it took, whether it failed).
 *
 * <p>A call fails when no member answers it within its deadline, or when a member refuses it with an
 * error the client does not take to the other member (not {@code UNAVAILABLE}, say, but
 * {@code NOT_FOUND}).
 * The deadline is {@link PairStack#ANSWER_DEADLINE}, one a busy machine meets: with a core taken,
 * both members of a pair share the other one and stop together for their collections, so a
 * deadline of a few seconds fails calls while both serve. Whether the pair went dark is judged by
 * the members' health (a {@link HealthTimeline}, their own clocks); how fast a client is answered
 * is measured by the benchmarks ({@code bench throughput}, {@code bench reload-latency}) and printed
 * by the scenarios (the slowest call, S12's p99), not asserted against the wall clock.
 */
final class CallingClient implements AutoCloseable {
  /**
   * One call: started at {@code startNanos} (System.nanoTime), answered after {@code nanos} with a
   * value the member computed at {@code computedAt} (its clock), or failed.
   */
  record Call(long startNanos, long nanos, Instant computedAt, String failure) {
    boolean failed() {
      return failure != null;
    }
  }

  final AtomicLong ok = new AtomicLong();
  final AtomicLong failed = new AtomicLong();
  final List<Call> calls = new CopyOnWriteArrayList<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final ExecutorService thread = Executors.newSingleThreadExecutor();
  private final WarmStandbyClient client;
  private final PairStack stack;
  private final Future<?> loop;

  /** Calls back to back with {@link PairStack#ANSWER_DEADLINE}. */
  CallingClient(PairStack stack) {
    this(stack, PairStack.ANSWER_DEADLINE, Duration.ZERO);
  }

  CallingClient(PairStack stack, Duration deadline, Duration pause) {
    this.stack = stack;
    client = new WarmStandbyClient(stack.clientPort(PairStack.A), stack.clientPort(PairStack.B),
        stack.stack.security(AccessRule.CLIENT));
    GetStatisticRequest request = GetStatisticRequest.newBuilder().setSpec(StatisticSpec.newBuilder()
        .setObject(StatObject.newBuilder().setType(ObjectType.AGENT_GROUP).setName("group0001"))
        .setStatistic(StatisticType.CURRENT_READY_AGENTS)).build();
    // Connected first, as a routing client is before it takes calls: the deadline is about the
    // scenario's faults, not about a TLS handshake on a busy machine.
    try {
      if (!client.awaitServing(PairStack.WAIT)) {
        throw new IllegalStateException("no member of the pair served within " + PairStack.WAIT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    loop = thread.submit(() -> {
      while (running.get()) {
        long start = System.nanoTime();
        try {
          StatisticValue value = client.getStatistic(request, deadline);
          calls.add(new Call(start, System.nanoTime() - start, Instant.ofEpochMilli(value.getComputedAtMs()), null));
          ok.incrementAndGet();
        } catch (StatusRuntimeException e) {
          // When, by the wall clock: the services' logs (their collections too) have the time of day.
          calls.add(new Call(start, System.nanoTime() - start, null, "ended " + Instant.now() + ": " + e.getStatus()));
          failed.incrementAndGet();
        }
        if (!pause.isZero()) {
          TimeUnit.NANOSECONDS.sleep(pause.toNanos());
        }
      }
      return null;
    });
  }

  WarmStandbyClient client() {
    return client;
  }

  /** How the client's attempts went to {@code member} (an application of the pair) so far. */
  MemberCalls callsTo(String member) {
    HostPort address = HostPort.local(stack.statPorts.get(member));
    return client.callsByMember().stream().filter(calls -> calls.member().equals(address)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("the client does not call " + member));
  }

  List<String> failures() {
    return calls.stream().filter(Call::failed).map(Call::failure).toList();
  }

  /** How long the slowest call took, answered or not, in milliseconds. */
  double slowestMillis() {
    return calls.stream().mapToLong(Call::nanos).max().orElse(0) / 1e6;
  }

  /** How the client was served and how long the pair was dark, read once: printed, then judged. */
  record Served(long calls, long failed, double slowestMillis, double darkMillis, double darkMillisByServers) {
    @Override
    public String toString() {
      return String.format("%d calls, %d failed, the slowest %.0f ms; the pair was dark for %.1f ms (by the servers'"
          + " own clocks: %.0f ms)", calls, failed, slowestMillis, darkMillis, darkMillisByServers);
    }
  }

  Served served(HealthTimeline health) {
    return new Served(ok.get(), failed.get(), slowestMillis(), health.darkMillis(), stack.darkMillisByServers());
  }

  /**
   * The pair served throughout: never dark by its members' clocks, each health watch showed what
   * its member recorded, and no call failed. The watch's own dark measure is printed, not judged
   * (see {@link HealthTimeline}).
   */
  void assertServedThroughout(Served served, HealthTimeline health) {
    assertThat(served.darkMillisByServers()).as("milliseconds with neither member serving, by their clocks").isZero();
    stack.awaitWatchesExplained(health);
    assertThat(failures()).as("failed calls; the members' collections: %s", stack.collections()).isEmpty();
  }

  /** How many answers a member computed between {@code from} and {@code to} by its clock. */
  long answeredBetween(Instant from, Instant to) {
    return calls.stream().filter(c -> !c.failed() && !c.computedAt().isBefore(from) && !c.computedAt().isAfter(to))
        .count();
  }

  /** The calls that started between {@code fromNanos} and {@code toNanos}. */
  List<Call> startedBetween(long fromNanos, long toNanos) {
    return calls.stream().filter(c -> c.startNanos() >= fromNanos && c.startNanos() < toNanos).toList();
  }

  @Override
  public void close() throws Exception {
    running.set(false);
    try {
      // The call under way ends within its deadline.
      loop.get(PairStack.ANSWER_DEADLINE.plusSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
    } finally {
      thread.shutdownNow();
      client.close();
    }
  }
}
