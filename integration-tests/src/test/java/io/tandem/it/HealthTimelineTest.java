package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.tandem.common.testing.InProcessGrpc;
import io.tandem.stat.v1.ServerInfo;
import io.tandem.stat.v1.ServingChange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How the scenarios judge a dark pair from two members' health watches: the order two streams
 * arrive in is no measure, the members' records are, and a watch that shows what a record lacks
 * is caught. Real gRPC health services in this JVM; one member's pushes can be held back, as a
 * busy member's are.
 */
class HealthTimelineTest {
  private final Member a = new Member("A");
  private final Member b = new Member("B");
  private HealthTimeline timeline;

  @BeforeEach
  void watch() {
    timeline = new HealthTimeline();
    timeline.watch("A", a.grpc.channel(), a::records);
    timeline.watch("B", b.grpc.channel(), b::records);
    await().until(timeline::started);
  }

  @AfterEach
  void close() throws InterruptedException {
    timeline.close();
    a.grpc.close();
    b.grpc.close();
  }

  @Test
  void aHandOverWhoseServingArrivesLateIsDarkByArrivalButNotByTheMembersRecords() {
    a.set(false, 100);
    a.holdPushes();
    a.set(true, 200);
    b.set(false, 300);
    a.releasePushes();

    assertThat(timeline.darkMillis()).as("by arrival, B's stop came before A's start").isPositive();
    assertThat(HealthTimeline.darkMillisByServers(List.of(a.info(), b.info()))).isZero();
    assertThat(timeline.unexplained(Map.of("A", a.info(), "B", b.info()))).isEmpty();
  }

  @Test
  void aHealthChangeTheMemberDidNotRecordIsUnexplained() {
    b.health.setStatus("", ServingStatus.NOT_SERVING);
    b.health.setStatus("", ServingStatus.SERVING);

    await().until(() -> timeline.everNotServing("B"));
    assertThat(HealthTimeline.darkMillisByServers(List.of(a.info(), b.info()))).isZero();
    assertThat(timeline.unexplained(Map.of("A", a.info(), "B", b.info()))).singleElement().asString()
        .isEqualTo("B: watch 1 of 1 showed serving [true, false, true], the member recorded [true]");
  }

  @Test
  void aWatchBehindItsMemberIsUnexplainedUntilItCatchesUp() {
    a.holdPushes();
    a.set(false, 100);
    assertThat(timeline.unexplained(Map.of("A", a.info(), "B", b.info()))).singleElement().asString()
        .isEqualTo("A: watch 1 of 1 showed serving [true], the member recorded [true, false]");

    a.releasePushes();
    assertThat(timeline.unexplained(Map.of("A", a.info(), "B", b.info()))).isEmpty();
  }

  @Test
  void aFlapDuringTheWatchIsUnexplainedHoweverManyChangesCameBefore() {
    b.set(false, 20);
    b.set(true, 30);
    try (HealthTimeline late = new HealthTimeline()) {
      late.watch("B", b.grpc.channel(), b::records);
      await().until(late::started);
      b.health.setStatus("", ServingStatus.NOT_SERVING);
      b.health.setStatus("", ServingStatus.SERVING);

      assertThat(late.unexplained(Map.of("B", b.info()))).singleElement().asString()
          .isEqualTo("B: watch 1 of 1 showed serving [true, false, true], the member recorded [true]");
    }
  }

  @Test
  void aWatchThatBreaksIsTheWatchersAndEachStreamIsJudgedOnItsOwn() {
    a.breakWatches();
    await("A watched again").until(() -> timeline.streamsAnswered("A") == 2);
    assertThat(timeline.unexplained(Map.of("A", a.info(), "B", b.info()))).isEmpty();

    a.set(false, 100);
    assertThat(timeline.unexplained(Map.of("A", a.info(), "B", b.info()))).isEmpty();
  }

  /**
   * A health service whose serving changes are recorded as a Stat Server records them: from its
   * start, not serving, then serving before anyone watches.
   */
  private static final class Member {
    final HealthStatusManager health = new HealthStatusManager();
    final List<ServingChange> recorded = new CopyOnWriteArrayList<>(List.of(change(false, 0), change(true, 10)));
    final InProcessGrpc grpc;
    private final List<Runnable> held = new ArrayList<>();
    private final List<ServerCall<?, ?>> watches = new CopyOnWriteArrayList<>();
    private boolean holding;

    Member(String name) {
      try {
        grpc = InProcessGrpc.serve(ServerInterceptors.intercept(health.getHealthService(), holdable()));
      } catch (java.io.IOException e) {
        throw new IllegalStateException(name + " could not serve", e);
      }
    }

    void set(boolean serving, long atMs) {
      health.setStatus("", serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
      recorded.add(change(serving, atMs));
    }

    ServerInfo info() {
      return ServerInfo.newBuilder().addAllServingChanges(recorded).build();
    }

    List<ServingChange> records() {
      return List.copyOf(recorded);
    }

    /** Ends every watch stream as a lost connection does; the member serves on. */
    void breakWatches() {
      watches.forEach(call -> call.close(Status.UNAVAILABLE.withDescription("connection lost"), new Metadata()));
      watches.clear();
    }

    void holdPushes() {
      holding = true;
    }

    void releasePushes() {
      holding = false;
      held.forEach(Runnable::run);
      held.clear();
    }

    private ServerInterceptor holdable() {
      return new ServerInterceptor() {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
          watches.add(call);
          return next.startCall(new SimpleForwardingServerCall<>(call) {
            @Override
            public void sendMessage(R message) {
              if (holding && message instanceof HealthCheckResponse) {
                held.add(() -> super.sendMessage(message));
              } else {
                super.sendMessage(message);
              }
            }
          }, headers);
        }
      };
    }

    private static ServingChange change(boolean serving, long atMs) {
      return ServingChange.newBuilder().setServing(serving).setAtMs(atMs).build();
    }
  }
}
