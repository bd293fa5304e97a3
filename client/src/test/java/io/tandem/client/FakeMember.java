package io.tandem.client;

import io.grpc.Grpc;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.concurrent.Scheduled;
import io.tandem.common.security.TransportSecurity;
import io.tandem.common.testing.TestPki;
import io.tandem.stat.v1.CloseStatisticReply;
import io.tandem.stat.v1.CloseStatisticRequest;
import io.tandem.stat.v1.EventBatch;
import io.tandem.stat.v1.FeedProgress;
import io.tandem.stat.v1.GetServerInfoRequest;
import io.tandem.stat.v1.GetStatisticRequest;
import io.tandem.stat.v1.OpenStatisticRequest;
import io.tandem.stat.v1.Role;
import io.tandem.stat.v1.ServerInfo;
import io.tandem.stat.v1.StatServiceGrpc;
import io.tandem.stat.v1.StatisticValue;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for one Stat Server of a pair, on a real loopback port: it serves health, server
 * info, GetStatistic (the value's statistic id names the member) and open statistics, and can be
 * frozen — then it answers nothing and holds every call open, as a SIGSTOPped process would.
 * It serves mutual TLS with a Stat Server's certificate, as the real ones do.
 */
final class FakeMember implements AutoCloseable {
  final String name;
  final AtomicInteger gets = new AtomicInteger();
  /** The sequences of the batches it applied, in order (a re-sent one is skipped, as a Stat Server does). */
  final List<Long> applied = new CopyOnWriteArrayList<>();
  /** Feed streams it broke on purpose so far. */
  final AtomicInteger brokenFeeds = new AtomicInteger();
  /** Break the next Feed stream after this many batches (0: never). */
  volatile int breakFeedAfter;
  final AtomicInteger opens = new AtomicInteger();
  /** Open statistic streams, the latest last: a test ends them or sends more on them. */
  final List<StreamObserver<StatisticValue>> openStreams = new CopyOnWriteArrayList<>();
  /** The statistic ids CloseStatistic was called with. */
  final List<String> closed = new CopyOnWriteArrayList<>();
  /** When set, OpenStatistic is refused with it. */
  volatile io.grpc.Status refuseOpens;
  /** Calls it received while frozen and never answered. */
  final List<Object> held = new CopyOnWriteArrayList<>();
  private final Role role;
  private final Server server;
  /** The application whose certificate every stand-in presents. */
  static final String APPLICATION = "StatServer_A";
  private final TransportSecurity security = TestPki.shared().security(APPLICATION);
  private volatile boolean frozen;
  /** How long it takes to answer a GetStatistic (zero: at once). */
  private volatile Duration answerAfter = Duration.ZERO;
  private final ScheduledExecutorService answers =
      Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("fake-member-answers"));

  FakeMember(String name, Role role) throws IOException {
    this.name = name;
    this.role = role;
    this.server = Grpc.newServerBuilderForPort(0, security.serverCredentials())
        .addService(new Stat())
        .addService(new Health())
        .build().start();
  }

  HostPort address() {
    return HostPort.local(server.getPort());
  }

  /** Where the client finds it, and the application it proves to be. */
  WarmStandbyClient.Member member() {
    return new WarmStandbyClient.Member(APPLICATION, address());
  }

  void freeze(boolean value) {
    frozen = value;
  }

  /** A slow member: every GetStatistic is answered {@code delay} after it came. */
  void answerAfter(Duration delay) {
    answerAfter = delay;
  }

  private boolean holding(Object call) {
    if (frozen) {
      held.add(call);
    }
    return frozen;
  }

  /** The value it answers with: the statistic id names the member. */
  StatisticValue value() {
    return StatisticValue.newBuilder().setStatisticId(name).setCount(1).build();
  }

  private final class Stat extends StatServiceGrpc.StatServiceImplBase {
    @Override
    public StreamObserver<EventBatch> feed(StreamObserver<FeedProgress> out) {
      return new StreamObserver<>() {
        private int received;
        private boolean broken;

        @Override
        public void onNext(EventBatch batch) {
          if (broken || holding(batch)) {
            return;
          }
          if (breakFeedAfter > 0 && ++received > breakFeedAfter) {
            broken = true;
            breakFeedAfter = 0;
            brokenFeeds.incrementAndGet();
            out.onError(io.grpc.Status.UNAVAILABLE.withDescription("connection cut").asRuntimeException());
            return;
          }
          long last = applied.isEmpty() ? 0 : applied.get(applied.size() - 1);
          if (batch.getSequence() > last) {
            applied.add(batch.getSequence());
          }
          out.onNext(FeedProgress.newBuilder().setProducerId(batch.getProducerId())
              .setAppliedThrough(applied.isEmpty() ? 0 : applied.get(applied.size() - 1)).build());
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
          if (!broken) {
            out.onNext(FeedProgress.newBuilder().setAppliedThrough(applied.isEmpty() ? 0 : applied.get(applied.size() - 1))
                .setFinal(true).build());
            out.onCompleted();
          }
        }
      };
    }

    @Override
    public void getStatistic(GetStatisticRequest request, StreamObserver<StatisticValue> out) {
      gets.incrementAndGet();
      Runnable answer = () -> {
        if (!holding(out)) {
          out.onNext(value());
          out.onCompleted();
        }
      };
      Duration delay = answerAfter;
      if (delay.isZero()) {
        answer.run();
      } else {
        Scheduled.after(answers, "answer", delay, answer);
      }
    }

    @Override
    public void openStatistic(OpenStatisticRequest request, StreamObserver<StatisticValue> out) {
      opens.incrementAndGet();
      if (holding(out)) {
        return;
      }
      if (refuseOpens != null) {
        out.onError(refuseOpens.asRuntimeException());
        return;
      }
      openStreams.add(out);
      out.onNext(value());
    }

    @Override
    public void closeStatistic(CloseStatisticRequest request, StreamObserver<CloseStatisticReply> out) {
      closed.add(request.getStatisticId());
      out.onNext(CloseStatisticReply.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void getServerInfo(GetServerInfoRequest request, StreamObserver<ServerInfo> out) {
      if (!holding(out)) {
        out.onNext(ServerInfo.newBuilder().setApplication(name).setRole(role).setServing(true).build());
        out.onCompleted();
      }
    }
  }

  private final class Health extends HealthGrpc.HealthImplBase {
    @Override
    public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> out) {
      if (!holding(out)) {
        out.onNext(HealthCheckResponse.newBuilder().setStatus(HealthCheckResponse.ServingStatus.SERVING).build());
        out.onCompleted();
      }
    }

    @Override
    public void watch(HealthCheckRequest request, StreamObserver<HealthCheckResponse> out) {
      out.onNext(HealthCheckResponse.newBuilder().setStatus(HealthCheckResponse.ServingStatus.SERVING).build());
    }
  }

  @Override
  public void close() throws InterruptedException {
    try {
      server.shutdownNow();
      server.awaitTermination(5, TimeUnit.SECONDS);
    } finally {
      answers.shutdownNow();
      security.close();
    }
  }
}
