package io.tandem.management.supervision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.tandem.common.config.Applications;
import io.tandem.common.grpc.Channels;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.security.AccessControl;
import io.tandem.common.logging.RateLimitedLog;
import io.tandem.protocol.log.LogCapture;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ApplyObjectsRequest;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.SetOptionRequest;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.GetPairsRequest;
import io.tandem.management.v1.ManagementServiceGrpc;
import io.tandem.management.v1.MemberStatus;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.PairStatus;
import io.tandem.management.v1.PairsStatus;
import io.tandem.management.v1.SwitchoverCause;
import io.tandem.management.v1.SwitchoverReply;
import io.tandem.management.v1.SwitchoverRequest;
import io.tandem.management.v1.SwitchoverResult;
import io.tandem.common.process.FreePorts;
import io.tandem.common.security.ServerIdentity;
import io.tandem.testing.Launch;
import io.tandem.testing.MiniStack;
import io.tandem.testing.PairWatch;
import io.tandem.testing.Service;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Management Layer over real gRPC, following a real Config Server, with scripted applications. */
class ManagementLayerTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  private MiniStack stack;
  private ManagedChannel configChannel;
  private ManagedChannel channel;
  private ManagementServiceGrpc.ManagementServiceBlockingStub management;
  private final List<FakeApplication> apps = new ArrayList<>();
  private final Map<String, ManagedChannel> channelsAs = new HashMap<>();
  private HostPort managementAddress;

  private static ConfigObject app(String name, ApplicationType type, String backup) {
    return Applications.of(name, type).backup(backup).build();
  }

  @BeforeEach
  void start() throws Exception {
    stack = new MiniStack(dir, MiniStack.Mode.IN_JVM);
    int configPort = FreePorts.next();
    configChannel = stack.start(Launch.of(Service.CONFIG_SERVER, "config-server", configPort, List.of(
        "--port", "" + configPort, "--data-dir", dir.resolve("config-data").toString(), "--no-fsync"))).channel();
    ConfigServiceGrpc.newBlockingStub(configChannel).applyObjects(ApplyObjectsRequest.newBuilder()
        .addObjects(Applications.of("MgmtLayer", ApplicationType.MANAGEMENT_LAYER)
            .option("management", "disconnect-switchover-timeout", "10m")
            .option("management", "switchover-timeout", "2s").build())
        .addObjects(app("A", ApplicationType.STAT_SERVER, "B"))
        .addObjects(app("B", ApplicationType.STAT_SERVER, ""))
        .build());
    int port = FreePorts.next();
    channel = stack.start(Launch.of(Service.MANAGEMENT_LAYER, "management-layer", port, List.of(
        "--port", "" + port, "--config-server", "localhost:" + configPort,
        "--data-dir", dir.resolve("management-data").toString()))).channel();
    managementAddress = HostPort.local(port);
    management = ManagementServiceGrpc.newBlockingStub(channel);
    await().atMost(WAIT).until(() -> pair("A") != null);
  }

  @AfterEach
  void stop() throws Exception {
    // The applications go away first: a channel with a stream still open waits out its grace.
    apps.forEach(FakeApplication::crash);
    channelsAs.values().forEach(c -> Channels.close(c, Duration.ofSeconds(1)));
    stack.close();
  }

  /** A channel to the Management Layer with {@code identity}'s certificate. */
  private ManagedChannel channelAs(String identity) {
    return channelsAs.computeIfAbsent(identity, name -> Channels.open(managementAddress, ServerIdentity.of("MgmtLayer"), stack.security(name)));
  }

  /** An application supervised over a connection with its own certificate. */
  private FakeApplication connect(String name) {
    FakeApplication app = new FakeApplication(channelAs(name), name).connect();
    apps.add(app);
    return app;
  }

  private PairStatus pair(String member) {
    return management.getPairs(GetPairsRequest.getDefaultInstance()).getPairsList().stream()
        .filter(p -> p.getMembersList().stream().anyMatch(m -> m.getApplication().equals(member)))
        .findFirst().orElse(null);
  }

  private MemberStatus member(String name) {
    return pair(name).getMembersList().stream().filter(m -> m.getApplication().equals(name)).findFirst().orElseThrow();
  }

  private void awaitMode(FakeApplication app, Mode mode) {
    await(app.name + " " + mode).atMost(WAIT).until(() -> app.mode == mode && member(app.name).getModeAcknowledged());
  }

  private void runningPair(FakeApplication a, FakeApplication b) {
    a.report(AppStatus.RUNNING);
    awaitMode(a, Mode.PRIMARY);
    b.report(AppStatus.RUNNING);
    awaitMode(b, Mode.BACKUP);
  }

  @Test
  void aSecondManagementLayerOnTheSameDataDirectoryIsRefusedNamingTheHolder() {
    int port = FreePorts.next();
    assertThatThrownBy(() -> stack.start(Launch.of(Service.MANAGEMENT_LAYER, "management-layer-2", port, List.of(
        "--port", "" + port, "--config-server", "localhost:" + stack.member("config-server").port(),
        "--data-dir", dir.resolve("management-data").toString()))))
        .hasStackTraceContaining("is in use by another Management Layer (pid " + ProcessHandle.current().pid());
    assertThat(pair("A")).as("the first one still answers").isNotNull();
  }

  @Test
  void theFirstToReportRunningIsPrimaryAndStatusReportsAreAcknowledged() {
    FakeApplication a = connect("A");
    FakeApplication b = connect("B");
    long report = b.report(AppStatus.RUNNING);
    awaitMode(b, Mode.PRIMARY);
    assertThat(b.statusAcks).contains(report);
    a.report(AppStatus.RUNNING);
    awaitMode(a, Mode.BACKUP);
    assertThat(member("A").getClientAddress()).isEqualTo("localhost:11");
  }

  @Test
  void serviceUnavailableSwitchesOverWhenTheBackupIsReady() {
    FakeApplication a = connect("A");
    FakeApplication b = connect("B");
    runningPair(a, b);
    a.report(AppStatus.SERVICE_UNAVAILABLE);
    awaitMode(b, Mode.PRIMARY);
    awaitMode(a, Mode.BACKUP);
    await().atMost(WAIT).until(() -> pair("A").getLastSwitchover().getResult() == SwitchoverResult.DONE);
    assertThat(pair("A").getLastSwitchover().getCause()).isEqualTo(SwitchoverCause.SERVICE_UNAVAILABLE_REPORTED);
  }

  @Test
  void aSwitchoverRefusedWhileTheBackupIsNotReadyIsDoneOnceItReportsRunning() {
    FakeApplication a = connect("A");
    FakeApplication b = connect("B");
    runningPair(a, b);
    b.report(AppStatus.INITIALIZING);
    await().atMost(WAIT).until(() -> member("B").getStatus() == AppStatus.INITIALIZING);
    a.report(AppStatus.SERVICE_UNAVAILABLE);
    await().atMost(WAIT).until(() -> pair("A").getLastSwitchover().getResult() == SwitchoverResult.BACKUP_NOT_READY);
    assertThat(member("A").getMode()).isEqualTo(Mode.PRIMARY);
    b.report(AppStatus.RUNNING);
    awaitMode(b, Mode.PRIMARY);
    awaitMode(a, Mode.BACKUP);
    assertThat(pair("A").getLastSwitchover().getResult()).isEqualTo(SwitchoverResult.DONE);
  }

  @Test
  void onlyOneSwitchoverIsInFlightPerPair() {
    FakeApplication a = connect("A");
    FakeApplication b = connect("B");
    runningPair(a, b);
    b.acknowledgeModes = false;
    a.report(AppStatus.SERVICE_UNAVAILABLE);
    await().atMost(WAIT).until(() -> b.lastCommanded() == Mode.PRIMARY);
    SwitchoverReply second = management.switchover(SwitchoverRequest.newBuilder().setApplication("A").build());
    assertThat(second.getResult()).isEqualTo(SwitchoverResult.ALREADY_IN_PROGRESS);
    b.acknowledgeLast();
    await().atMost(WAIT).until(() -> pair("A").getLastSwitchover().getResult() == SwitchoverResult.DONE);
  }

  @Test
  void aManualSwitchoverAnswersDoneWithItsDuration() {
    FakeApplication a = connect("A");
    FakeApplication b = connect("B");
    runningPair(a, b);
    SwitchoverReply reply = management.switchover(SwitchoverRequest.newBuilder().setApplication("B").build());
    assertThat(reply.getResult()).isEqualTo(SwitchoverResult.DONE);
    assertThat(reply.getPrimary()).isEqualTo("B");
    assertThat(reply.getDurationMs()).as("the reply's duration is the switchover's, as the pair's record has it")
        .isEqualTo(pair("A").getLastSwitchover().getDurationMs());
    assertThat(pair("A").getLastSwitchover().getCause()).isEqualTo(SwitchoverCause.MANUAL);
    assertThat(b.mode).isEqualTo(Mode.PRIMARY);
    await().atMost(WAIT).until(() -> a.mode == Mode.BACKUP);
    assertThat(management.switchover(SwitchoverRequest.newBuilder().setApplication("MgmtLayer").build()).getResult())
        .isEqualTo(SwitchoverResult.NO_SUCH_PAIR);
  }

  /** Sets an option of the Management Layer's own Application; it applies at once. */
  private void managementOption(String key, String value) {
    ConfigServiceGrpc.newBlockingStub(configChannel).setOption(SetOptionRequest.newBuilder()
        .setApplication("MgmtLayer").setSection("management").setKey(key).setValue(value).build());
  }

  @Test
  void aLostPrimaryThatReconnectsStaysPrimaryAndOneLostForTheTimeoutIsFailedOver() {
    FakeApplication a = connect("A");
    FakeApplication b = connect("B");
    runningPair(a, b);

    a.crash(); // its stream breaks; the process runs on and reconnects
    await().atMost(WAIT).until(() -> !member("A").getConnected());
    int told = a.commands.size();
    a.connect();
    await().atMost(WAIT).until(() -> a.commands.size() > told && member("A").getModeAcknowledged());
    assertThat(a.lastCommanded()).isEqualTo(Mode.PRIMARY);
    assertThat(member("B").getMode()).isEqualTo(Mode.BACKUP);

    a.crash();
    await().atMost(WAIT).until(() -> !member("A").getConnected());
    assertThat(member("A").getMode()).as("within disconnect-switchover-timeout (10 min)").isEqualTo(Mode.PRIMARY);
    managementOption("disconnect-switchover-timeout", "100ms");
    awaitMode(b, Mode.PRIMARY);
    assertThat(pair("A").getLastSwitchover().getCause()).isEqualTo(SwitchoverCause.FAILOVER);
    int before = a.commands.size();
    a.connect();
    await().atMost(WAIT).until(() -> a.commands.size() > before && a.lastCommanded() == Mode.BACKUP);
  }

  @Test
  void aFrozenPrimaryIsHungFailedOverAndToldBackupAsSoonAsItsHeartbeatsResume() {
    managementOption("heartbeat-timeout", "500ms");
    managementOption("disconnect-switchover-timeout", "100ms");
    FakeApplication a = connect("A");
    FakeApplication b = connect("B");
    runningPair(a, b);

    a.frozen(true);
    await().atMost(WAIT).until(() -> member("A").getHung());
    awaitMode(b, Mode.PRIMARY);
    assertThat(pair("A").getLastSwitchover().getCause()).isEqualTo(SwitchoverCause.PRIMARY_HUNG);
    assertThat(pair("A").getLastSwitchover().getDetail()).startsWith("A hung: no heartbeat for");
    assertThat(a.ended).as("a hung application keeps its stream").isNull();

    a.frozen(false);
    awaitMode(a, Mode.BACKUP);
    assertThat(member("A").getHung()).isFalse();
    assertThat(a.commands).last().satisfies(c -> assertThat(c.getEpoch()).isEqualTo(pair("A").getEpoch()));
  }

  @Test
  void aSecondInstanceIsRefusedWithAlreadyExistsWhileTheFirstIsAlive() {
    FakeApplication a = connect("A");
    FakeApplication b = connect("B");
    runningPair(a, b);
    FakeApplication duplicate = new FakeApplication(channelAs("A"), "A", "intruder").connect();
    await().atMost(WAIT).until(() -> duplicate.ended != null);
    assertThat(duplicate.ended.getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(duplicate.ended.getDescription()).contains("A is already running as instance " + a.instanceId,
        "client address localhost:11");
    assertThat(a.ended).as("the live instance keeps its stream").isNull();
    assertThat(member("A").getInstanceId()).isEqualTo(a.instanceId);
    assertThat(member("A").getMode()).isEqualTo(Mode.PRIMARY);
    assertThat(a.commands).as("and is not told its mode again").hasSize(1);
  }

  /**
   * The stream ended from this side was never reported lost: the member stayed connected, its
   * restarted process was refused as a duplicate of a live one, and its failover waited for the
   * heartbeat timeout on top of the disconnect timeout.
   */
  @Test
  void aMemberWhoseStreamIsEndedForASecondHelloIsLostAndItsNextProcessIsAccepted() {
    FakeApplication a = connect("A");
    FakeApplication b = connect("B");
    runningPair(a, b);
    a.helloAgain();
    await().atMost(WAIT).until(() -> a.ended != null);
    assertThat(a.ended.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    await().atMost(WAIT).until(() -> !member("A").getConnected());

    FakeApplication restarted = new FakeApplication(channelAs("A"), "A", "restarted").connect();
    apps.add(restarted);
    restarted.report(AppStatus.RUNNING);
    managementOption("disconnect-switchover-timeout", "100ms");
    awaitMode(b, Mode.PRIMARY);
    assertThat(pair("A").getLastSwitchover().getCause()).isEqualTo(SwitchoverCause.FAILOVER);
    await().atMost(WAIT).until(() -> restarted.mode == Mode.BACKUP);
    assertThat(restarted.ended).as("not refused as a duplicate of a live instance").isNull();
  }

  /** Claimed at the largest long, the next epoch wrapped round: one epoch was issued twice. */
  @Test
  void aHelloClaimingAnEpochNoManagementLayerIssuesIsRefusedNamingTheField() {
    FakeApplication a = connect("A");
    FakeApplication b = connect("B");
    runningPair(a, b);
    long epoch = pair("A").getEpoch();
    FakeApplication liar = new FakeApplication(channelAs("B"), "B", "liar").claiming(Long.MAX_VALUE).connect();
    await().atMost(WAIT).until(() -> liar.ended != null);
    assertThat(liar.ended.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(liar.ended.getDescription()).isEqualTo("hello.epoch: 9223372036854775807 is above 9007199254740992,"
        + " the most an epoch may be");
    assertThat(member("B").getInstanceId()).isEqualTo(b.instanceId);
    assertThat(pair("A").getEpoch()).isEqualTo(epoch);
  }

  @Test
  void aHelloNamingAnotherApplicationThanTheCertificateIsDeniedAndTheRealMemberKeepsItsStream() {
    FakeApplication a = connect("A");
    FakeApplication b = connect("B");
    runningPair(a, b);
    try (LogCapture alarms = new LogCapture(AccessControl.class)) {
      FakeApplication impostor = new FakeApplication(channelAs("B"), "A", "impostor").connect();
      await().atMost(WAIT).until(() -> impostor.ended != null);
      assertThat(impostor.ended.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(impostor.ended.getDescription()).contains("the hello names 'A' but the caller's certificate is 'B'");
      assertThat(alarms.withId("00-05073")).singleElement().asString().contains("identity=B", "address=127.0.0.1:");
    }
    assertClientCannotSwitchOver(SwitchoverRequest.newBuilder().setApplication("A").build());
    assertThat(a.ended).as("the real member keeps its stream").isNull();
    assertThat(member("A").getInstanceId()).isEqualTo(a.instanceId);
    assertThat(member("A").getMode()).isEqualTo(Mode.PRIMARY);
    assertThat(a.commands).as("and is not told its mode again").hasSize(1);
  }

  /** A switchover asked by an application instead of the operator: refused, nothing moves. */
  private void assertClientCannotSwitchOver(SwitchoverRequest request) {
    assertThatThrownBy(() -> ManagementServiceGrpc.newBlockingStub(channelAs("client")).switchover(request))
        .hasMessageContaining("PERMISSION_DENIED: 'client' may not call tandem.management.v1.ManagementService/Switchover"
            + " (allowed: operator)");
  }

  @Test
  void aPairAddedInTheConfigServerAtRunTimeIsSupervised() {
    ConfigServiceGrpc.newBlockingStub(configChannel).applyObjects(ApplyObjectsRequest.newBuilder()
        .addObjects(app("C", ApplicationType.STAT_SERVER, "D"))
        .addObjects(app("D", ApplicationType.STAT_SERVER, "")).build());
    await().atMost(WAIT).until(() -> pair("C") != null && pair("C").getMembersCount() == 2);
    FakeApplication c = connect("C");
    FakeApplication d = connect("D");
    runningPair(d, c);
    SwitchoverReply reply = management.switchover(SwitchoverRequest.newBuilder().setApplication("C").build());
    assertThat(reply.getResult()).isEqualTo(SwitchoverResult.DONE);
    assertThat(reply.getPrimary()).isEqualTo("C");
  }

  @Test
  void unknownApplicationsAndMalformedStreamsAreRefusedByName() {
    FakeApplication stranger = connect("Stranger");
    await().atMost(WAIT).until(() -> stranger.ended != null);
    assertThat(stranger.ended.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(stranger.ended.getDescription()).contains("no Application named 'Stranger'");
    assertThatThrownBy(() -> management.switchover(SwitchoverRequest.getDefaultInstance()))
        .hasMessageContaining("INVALID_ARGUMENT: application: must not be empty");
    assertThatThrownBy(() -> management.switchover(SwitchoverRequest.newBuilder().setApplication("A\nStd 43-30011").build()))
        .hasMessageContaining("INVALID_ARGUMENT: application: contains the control character U+000A at position 1");

    List<Status> ended = new CopyOnWriteArrayList<>();
    var out = ManagementServiceGrpc.newStub(channelAs("A")).supervise(new StreamObserver<>() {
      @Override
      public void onNext(io.tandem.management.v1.SupervisionCommand command) {
      }

      @Override
      public void onError(Throwable t) {
        ended.add(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
      }
    });
    out.onNext(io.tandem.management.v1.SupervisionMessage.newBuilder()
        .setStatus(io.tandem.management.v1.StatusReport.newBuilder().setStatus(AppStatus.RUNNING)).build());
    await().atMost(WAIT).until(() -> !ended.isEmpty());
    assertThat(ended.get(0).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(ended.get(0).getDescription()).contains("must be a hello");
  }

  @Test
  void refusedHellosAreLoggedAtMostABurstPerWindow() {
    int refusals = 50;
    try (LogCapture log = new LogCapture(RedundancyLoop.class)) {
      for (int i = 0; i < refusals; i++) {
        FakeApplication stranger = new FakeApplication(channelAs("Stranger"), "Stranger").connect();
        await().pollInterval(Duration.ofMillis(5)).atMost(WAIT).until(() -> stranger.ended != null);
        assertThat(stranger.ended.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
      }
      // Within one window: a burst. Should the refusals straddle two windows, two bursts.
      assertThat(log.withId("43-30007")).as("43-30007 lines for %d refusals", refusals)
          .hasSizeBetween(RateLimitedLog.BURST, 2 * RateLimitedLog.BURST);
    }
  }

  @Test
  void watchersSeeAConnectionThenTheModeAssignedThenItsAcknowledgement() {
    try (PairWatch watch = new PairWatch(channel)) {
      await().atMost(WAIT).until(() -> !watch.seen.isEmpty());
      assertThat(watch.seen.get(0).hasAsOf()).isTrue();
      FakeApplication a = connect("A");
      await("A connected").atMost(WAIT).until(() -> seen(watch, m -> m.getConnected()
          && m.getMode() == Mode.MODE_UNSPECIFIED));
      // Its peer says hello too: a member whose peer has not been heard from waits (43-30019).
      connect("B");
      a.report(AppStatus.RUNNING);
      await("A primary, not yet acknowledged").atMost(WAIT).until(() -> seen(watch, m -> m.getMode() == Mode.PRIMARY));
      await("A primary and acknowledged").atMost(WAIT)
          .until(() -> seen(watch, m -> m.getMode() == Mode.PRIMARY && m.getModeAcknowledged()));
    }
  }

  @Test
  void aWatcherIsSentNothingWhileOnlyHeartbeatsArrive() {
    managementOption("heartbeat-timeout", "1s"); // a heartbeat every 200 ms
    FakeApplication a = connect("A");
    FakeApplication b = connect("B");
    runningPair(a, b);
    try (PairWatch watch = new PairWatch(channel)) {
      await().atMost(WAIT).until(() -> !watch.seen.isEmpty());
      Timestamp from = member("A").getLastHeartbeat();
      await("A heartbeats for a second").atMost(WAIT).until(() ->
          Durations.toMillis(Timestamps.between(from, member("A").getLastHeartbeat())) >= 1_000);
      List<PairsStatus> seen = List.copyOf(watch.seen);
      List<PairsStatus> heartbeatsOnly = new ArrayList<>();
      for (int i = 1; i < seen.size(); i++) {
        if (PairWatchers.withoutHeartbeats(seen.get(i)).equals(PairWatchers.withoutHeartbeats(seen.get(i - 1)))) {
          heartbeatsOnly.add(seen.get(i));
        }
      }
      assertThat(heartbeatsOnly).as("statuses sent to the watcher that changed nothing but heartbeat times, of %d",
          seen.size()).isEmpty();
    }
  }

  @Test
  void aWatcherThatNeverReadsIsDroppedWithAReasonAndWhatWaitsForItStaysBounded() {
    // Fifty more pairs make every status a few kilobytes: the transport's window fills sooner.
    ApplyObjectsRequest.Builder more = ApplyObjectsRequest.newBuilder();
    for (int i = 0; i < 50; i++) {
      more.addObjects(app("Pair" + i + "_X", ApplicationType.STAT_SERVER, "Pair" + i + "_Y"))
          .addObjects(app("Pair" + i + "_Y", ApplicationType.STAT_SERVER, ""));
    }
    ConfigServiceGrpc.newBlockingStub(configChannel).applyObjects(more.build());
    await().atMost(WAIT).until(() -> pair("Pair49_X") != null);
    FakeApplication a = connect("A");
    FakeApplication b = connect("B");
    runningPair(a, b);

    List<PairsStatus> received = new CopyOnWriteArrayList<>();
    List<Status> ended = new CopyOnWriteArrayList<>();
    List<ClientCallStreamObserver<GetPairsRequest>> call = new CopyOnWriteArrayList<>();
    ManagementServiceGrpc.newStub(channel).watchPairs(GetPairsRequest.getDefaultInstance(),
        new ClientResponseObserver<GetPairsRequest, PairsStatus>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<GetPairsRequest> requestStream) {
            requestStream.disableAutoRequestWithInitial(0); // it never reads
            call.add(requestStream);
          }

          @Override
          public void onNext(PairsStatus status) {
            received.add(status);
          }

          @Override
          public void onError(Throwable t) {
            ended.add(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            ended.add(Status.OK);
          }
        });
    long changes = 0;
    try (LogCapture log = new LogCapture(PairWatchers.class)) {
      long deadline = System.nanoTime() + WAIT.multipliedBy(3).toNanos();
      while (log.withId("43-30020").isEmpty() && System.nanoTime() < deadline) {
        for (int i = 0; i < 200; i++, changes++) {
          b.report(changes % 2 == 0 ? AppStatus.INITIALIZING : AppStatus.RUNNING);
        }
        long sent = changes;
        await().atMost(WAIT).until(() -> b.statusAcks.size() >= sent); // each one taken in and published
      }
      assertThat(log.withId("43-30020")).as("the watcher dropped, after %d changes", changes).singleElement()
          .asString().contains("waiting=" + PairWatchers.MAX_WAITING);
    }
    call.get(0).request(Integer.MAX_VALUE); // now it reads what is left
    await().atMost(WAIT).until(() -> !ended.isEmpty());
    assertThat(ended.get(0).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(ended.get(0).getDescription()).contains("did not read");
    assertThat(received).as("statuses kept for it, of %d changes", changes).hasSizeLessThan((int) changes);
  }

  /** Whether a status the watcher got showed member A as {@code condition} says. */
  private static boolean seen(PairWatch watch, java.util.function.Predicate<MemberStatus> condition) {
    return watch.seen.stream().flatMap(s -> s.getPairsList().stream()).flatMap(p -> p.getMembersList().stream())
        .anyMatch(m -> m.getApplication().equals("A") && condition.test(m));
  }
}
