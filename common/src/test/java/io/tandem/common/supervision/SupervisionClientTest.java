package io.tandem.common.supervision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.StreamRecorder;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.testing.InProcessGrpc;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.ManagementServiceGrpc;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.ModeCommand;
import io.tandem.management.v1.StatusAck;
import io.tandem.management.v1.SupervisionCommand;
import io.tandem.management.v1.SupervisionMessage;
import io.tandem.management.v1.SupervisionSettings;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The supervision stream against an in-process Management Layer that records what it is sent. */
// grpc-testing marks StreamRecorder deprecated but has no replacement: it records a stream for the test to read.
@SuppressWarnings("deprecation")
class SupervisionClientTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** One Supervise stream as the fake Management Layer saw it: what came in, and the way back. */
  private record Stream(StreamRecorder<SupervisionMessage> received, StreamObserver<SupervisionCommand> back,
      boolean refusedAsDuplicate) {}

  private final List<Stream> streams = new CopyOnWriteArrayList<>();
  private final List<String> heard = new CopyOnWriteArrayList<>();
  private final List<Status> refusals = new CopyOnWriteArrayList<>();
  /** While set, the fake Management Layer refuses every new stream as a duplicate, saying to ask for this long. */
  private volatile Duration refuseAsDuplicateFor;
  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("supervision-test"));
  private InProcessGrpc grpc;
  private ManagedChannel channel;
  private SupervisionClient client;

  @BeforeEach
  void start() throws Exception {
    grpc = InProcessGrpc.serve(new ManagementServiceGrpc.ManagementServiceImplBase() {
      @Override
      public StreamObserver<SupervisionMessage> supervise(StreamObserver<SupervisionCommand> back) {
        StreamRecorder<SupervisionMessage> received = StreamRecorder.create();
        Duration retryFor = refuseAsDuplicateFor;
        streams.add(new Stream(received, back, retryFor != null));
        if (retryFor != null) {
          back.onError(Status.ALREADY_EXISTS.withDescription("StatServer_A is already running")
              .asRuntimeException(DuplicateRefusal.trailers(retryFor)));
        }
        return received;
      }
    });
    channel = grpc.channel();
    client = new SupervisionClient(channel, "StatServer_A", "instance-1", "localhost:2040",
        new SupervisionClient.Listener() {
          @Override
          public void onConnected() {
            heard.add("connected");
          }

          @Override
          public void onDisconnected(Status status) {
            heard.add("disconnected " + status.getCode());
          }

          @Override
          public void onModeCommand(ModeCommand command) {
            heard.add("mode " + command.getMode() + " " + command.getEpoch());
          }

          @Override
          public void onStatusDelivered(long reportId) {
            heard.add("delivered " + reportId);
          }

          @Override
          public void onHeartbeatInterval(Duration interval) {
            heard.add("heartbeat every " + interval.toMillis());
          }

          @Override
          public void onRefused(Status status) {
            heard.add("refused " + status.getCode());
            refusals.add(status);
          }
        }, () -> new SupervisionClient.Standing(Mode.PRIMARY, 7), executor);
    client.start();
    await().atMost(WAIT).until(() -> streams.size() == 1 && !streams.get(0).received().getValues().isEmpty());
  }

  @AfterEach
  void stop() throws InterruptedException {
    client.close();
    executor.shutdownNow();
    grpc.close();
  }

  @Test
  void theHelloSaysWhoItIsAndWhatItRunsAs() {
    SupervisionMessage hello = streams.get(0).received().getValues().get(0);
    assertThat(hello.getHello().getApplication()).isEqualTo("StatServer_A");
    assertThat(hello.getHello().getInstanceId()).isEqualTo("instance-1");
    assertThat(hello.getHello().getClientAddress()).isEqualTo("localhost:2040");
    assertThat(hello.getHello().getCurrentMode()).isEqualTo(Mode.PRIMARY);
    assertThat(hello.getHello().getEpoch()).isEqualTo(7);
    await().atMost(WAIT).until(() -> heard.contains("connected"));
  }

  @Test
  void commandsReachTheListenerAndReportsAckAndHeartbeatsReachTheManagementLayer() {
    StreamObserver<SupervisionCommand> back = streams.get(0).back();
    back.onNext(SupervisionCommand.newBuilder()
        .setSettings(SupervisionSettings.newBuilder().setHeartbeatIntervalMs(400)).build());
    back.onNext(SupervisionCommand.newBuilder()
        .setMode(ModeCommand.newBuilder().setCommandId(3).setMode(Mode.BACKUP).setEpoch(8)).build());
    back.onNext(SupervisionCommand.newBuilder().setStatusAck(StatusAck.newBuilder().setReportId(5)).build());
    await().atMost(WAIT).until(() -> heard.containsAll(List.of("heartbeat every 400", "mode BACKUP 8", "delivered 5")));

    assertThat(client.report(6, AppStatus.RUNNING, "configuration loaded")).isTrue();
    client.acknowledge(ModeCommand.newBuilder().setCommandId(3).setMode(Mode.BACKUP).setEpoch(8).build());
    assertThat(client.heartbeat(8)).isTrue();
    await().atMost(WAIT).until(() -> streams.get(0).received().getValues().size() == 4);
    List<SupervisionMessage> sent = streams.get(0).received().getValues();
    assertThat(sent.get(1).getStatus().getReportId()).isEqualTo(6);
    assertThat(sent.get(1).getStatus().getStatus()).isEqualTo(AppStatus.RUNNING);
    assertThat(sent.get(2).getModeAck().getCommandId()).isEqualTo(3);
    assertThat(sent.get(2).getModeAck().getEpoch()).isEqualTo(8);
    assertThat(sent.get(3).hasHeartbeat()).isTrue();
  }

  @Test
  void aBrokenStreamIsReportedAndReopenedWithANewHello() {
    streams.get(0).back().onError(Status.UNAVAILABLE.withDescription("Management Layer restarting").asException());
    await().atMost(WAIT).until(() -> streams.size() == 2 && !streams.get(1).received().getValues().isEmpty());
    assertThat(heard).contains("disconnected UNAVAILABLE");
    assertThat(streams.get(1).received().getValues().get(0).getHello().getApplication()).isEqualTo("StatServer_A");
  }

  @Test
  void aRefusalEndsSupervisionForGood() {
    streams.get(0).back().onError(Status.ALREADY_EXISTS.withDescription("StatServer_A is already running").asException());
    await().atMost(WAIT).until(() -> heard.contains("refused ALREADY_EXISTS"));
    assertThat(heard).doesNotContain("disconnected ALREADY_EXISTS");
    assertThat(client.report(9, AppStatus.RUNNING, "")).as("nothing is sent after a refusal").isFalse();
    // No reconnect follows: a barrier on the client's executor passes with one stream only.
    await().atMost(WAIT).until(() -> executor.submit(() -> true).get());
    assertThat(streams).hasSize(1);
  }

  @Test
  void aDuplicateRefusedWhileTheOtherInstanceOnlyLooksAliveAsksAgainAndIsAcceptedOnceItIsFound() {
    refuseAsDuplicateFor = Duration.ofSeconds(30);
    streams.get(0).back().onError(Status.ALREADY_EXISTS.withDescription("StatServer_A is already running")
        .asRuntimeException(DuplicateRefusal.trailers(Duration.ofSeconds(30))));
    await("asked again").atMost(WAIT).until(() -> streams.size() >= 3);
    refuseAsDuplicateFor = null; // the other instance was found hung: the next hello is taken
    await().atMost(WAIT).until(() -> streams.stream().skip(1)
        .anyMatch(s -> !s.refusedAsDuplicate() && !s.received().getValues().isEmpty()));
    Stream accepted = streams.stream().skip(1).filter(s -> !s.refusedAsDuplicate()).findFirst().orElseThrow();
    accepted.back().onNext(SupervisionCommand.newBuilder()
        .setSettings(SupervisionSettings.newBuilder().setHeartbeatIntervalMs(400)).build());
    await().atMost(WAIT).until(() -> heard.contains("heartbeat every 400"));
    assertThat(heard).contains("disconnected ALREADY_EXISTS").doesNotContain("refused ALREADY_EXISTS");
    assertThat(client.heartbeat(1)).as("supervised").isTrue();
  }

  @Test
  void aDuplicateStillRefusedWhenTheWindowItCarriesHasPassedEndsSupervisionSayingWhy() {
    refuseAsDuplicateFor = Duration.ofSeconds(1);
    streams.get(0).back().onError(Status.ALREADY_EXISTS.withDescription("StatServer_A is already running")
        .asRuntimeException(DuplicateRefusal.trailers(Duration.ofSeconds(1))));
    await().atMost(WAIT).until(() -> heard.contains("refused ALREADY_EXISTS"));
    assertThat(streams.size()).as("hellos before giving up").isGreaterThan(1);
    assertThat(heard).contains("disconnected ALREADY_EXISTS");
    assertThat(refusals).singleElement().satisfies(status -> assertThat(status.getDescription())
        .startsWith("StatServer_A is already running; still refused after asking for ")
        .endsWith("the other instance is alive"));
    int hellos = streams.size();
    await().atMost(WAIT).until(() -> executor.submit(() -> true).get());
    assertThat(streams).as("no hello after the final refusal").hasSize(hellos);
  }
}
