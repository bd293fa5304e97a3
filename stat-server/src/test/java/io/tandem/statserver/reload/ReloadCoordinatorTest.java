package io.tandem.statserver.reload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.StreamRecorder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tandem.common.bootstrap.FatalStop;
import io.tandem.common.bootstrap.HealthState;
import io.tandem.common.config.Applications;
import io.tandem.protocol.link.HostPort;
import io.tandem.protocol.log.LogCapture;
import io.tandem.common.security.TransportSecurity;
import io.tandem.common.testing.FakeConfigSource;
import io.tandem.common.testing.InProcessGrpc;
import io.tandem.common.testing.PrometheusText;
import io.tandem.config.v1.Agent;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ChangeKind;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.ManagementServiceGrpc;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.ModeCommand;
import io.tandem.management.v1.StatusAck;
import io.tandem.management.v1.SupervisionCommand;
import io.tandem.management.v1.SupervisionMessage;
import io.tandem.common.config.Names;
import io.tandem.common.grpc.MessageLimits;
import io.tandem.stat.v1.CenterEvent;
import io.tandem.stat.v1.ConfigState;
import io.tandem.stat.v1.EventBatch;
import io.tandem.stat.v1.EventType;
import io.tandem.stat.v1.OpenStatisticRequest;
import io.tandem.stat.v1.Role;
import io.tandem.stat.v1.ServerInfo;
import io.tandem.stat.v1.ServingChange;
import io.tandem.stat.v1.StatObject;
import io.tandem.stat.v1.StatisticType;
import io.tandem.stat.v1.StatisticValue;
import io.tandem.statserver.settings.StatServerSettings;
import io.tandem.statserver.stats.TestFeed;
import io.tandem.statserver.stats.FeedCounters;
import io.tandem.statserver.stats.StatisticSink;
import io.tandem.statserver.stats.StatisticsEngine;
import io.tandem.statserver.sync.ConfigSync;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reload logic's thread shell between a scripted Config Server session and a stand-in
 * Management Layer on a loopback port: what it reports, what it publishes (health, server info)
 * after each decision, and what it does to open statistics and to the process.
 */
// grpc-testing marks StreamRecorder deprecated but has no replacement: it records a stream for the test to read.
@SuppressWarnings("deprecation")
class ReloadCoordinatorTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** The Management Layer's side of one Supervise stream. */
  private record Stream(StreamRecorder<SupervisionMessage> received, StreamObserver<SupervisionCommand> back) {}

  private final List<Stream> streams = new CopyOnWriteArrayList<>();
  private final FakeConfigSource source = new FakeConfigSource();
  private final StatisticsEngine engine = new StatisticsEngine(Clock.systemUTC());
  private final HealthState health = new HealthState();
  private final SteppedClock clock = new SteppedClock();
  private final FatalStop fatalStop = new FatalStop("stat-server");
  private final TransportSecurity security = TransportSecurity.plaintext();
  private final PrometheusRegistry metrics = new PrometheusRegistry();
  private Server management;
  private ConfigSync sync;
  private ReloadCoordinator coordinator;

  @BeforeEach
  void start() throws Exception {
    management = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
        .addService(new ManagementServiceGrpc.ManagementServiceImplBase() {
          @Override
          public StreamObserver<SupervisionMessage> supervise(StreamObserver<SupervisionCommand> back) {
            StreamRecorder<SupervisionMessage> received = StreamRecorder.create();
            streams.add(new Stream(received, back));
            return received;
          }
        }).build().start();
    source.put(Applications.of("StatServer_A", ApplicationType.STAT_SERVER).port(2040).backup("StatServer_B").build())
        .put(Applications.of("StatServer_B", ApplicationType.STAT_SERVER).port(2041).build())
        .put(ConfigObject.newBuilder().setType(ObjectType.AGENT).setName("ann").setAgent(Agent.getDefaultInstance())
            .build());
    source.setHead(3);
    StatServerSettings settings = new StatServerSettings("StatServer_A", 2040, HostPort.local(2020),
        HostPort.local(management.getPort()));
    sync = new ConfigSync(settings, engine, s -> source);
    coordinator = new ReloadCoordinator(settings, clock, sync, engine, health, fatalStop, security,
        metrics);
    engine.start();
    sync.start();
    coordinator.start();
  }

  @AfterEach
  void stop() throws Exception {
    coordinator.stop();
    sync.stop();
    engine.stop();
    management.shutdownNow();
    management.awaitTermination(5, TimeUnit.SECONDS);
  }

  private Stream stream() {
    await().atMost(WAIT).until(() -> !streams.isEmpty());
    return streams.get(streams.size() - 1);
  }

  private List<SupervisionMessage> received() {
    return stream().received().getValues();
  }

  /** Acknowledges every status report so far, as the Management Layer does once it acted on one. */
  private void acknowledgeReports() {
    received().stream().filter(SupervisionMessage::hasStatus).forEach(m -> stream().back().onNext(SupervisionCommand
        .newBuilder().setStatusAck(StatusAck.newBuilder().setReportId(m.getStatus().getReportId())).build()));
  }

  private void awaitReport(AppStatus status) {
    await(status + " reported").atMost(WAIT).until(() -> received().stream()
        .anyMatch(m -> m.hasStatus() && m.getStatus().getStatus() == status));
  }

  private void makePrimary(long epoch) {
    stream().back().onNext(SupervisionCommand.newBuilder().setMode(ModeCommand.newBuilder().setCommandId(1)
        .setMode(Mode.PRIMARY).setEpoch(epoch)).build());
    await("serving as primary").atMost(WAIT).until(health::serving);
  }

  /** The Config Server changes this member's Application: {@code key} of section statserver set; waits until applied. */
  private void setOption(String key, String value) {
    long head = source.head() + 1;
    source.lastWatch().changes(List.of(source.change(ChangeKind.UPDATED,
        Applications.of("StatServer_A", ApplicationType.STAT_SERVER).port(2040).backup("StatServer_B")
            .option("statserver", key, value).build())), false);
    await("the option read").atMost(WAIT).until(() -> coordinator.serverInfo().getBackup().equals("StatServer_B")
        && source.head() == head && sync.lastApplied() == head);
  }

  /** A client's statistic on ann's state, open. */
  private Recording openAnnsState() {
    Recording ann = new Recording();
    engine.open(OpenStatisticRequest.newBuilder().setObject(StatObject.newBuilder().setType(ObjectType.AGENT)
        .setName("ann")).setStatistic(StatisticType.CURRENT_AGENT_STATE).build(), "client", ann);
    await().atMost(WAIT).until(() -> engine.openStatistics() == 1);
    return ann;
  }

  @Test
  void aLoadedMemberReportsRunningAndServesOnlyOnceItIsMadePrimary() {
    SupervisionMessage hello = received().get(0);
    assertThat(hello.getHello().getApplication()).isEqualTo("StatServer_A");
    awaitReport(AppStatus.RUNNING);
    acknowledgeReports();
    assertThat(health.serving()).as("a pair member serves once it has a mode").isFalse();
    assertThat(health.reason()).isEqualTo("waiting for a mode from the Management Layer");

    makePrimary(41);
    ServerInfo info = coordinator.serverInfo();
    assertThat(info.getRole()).isEqualTo(Role.PRIMARY);
    assertThat(info.getEpoch()).isEqualTo(41);
    assertThat(info.getConfigState()).isEqualTo(ConfigState.SYNCED);
    assertThat(info.getBackup()).isEqualTo("StatServer_B");
    assertThat(info.getObjects()).isEqualTo(1);
    assertThat(info.getServingChangesList()).last().satisfies(change -> assertThat(change.getServing()).isTrue());
    await("the mode acknowledged under its epoch").atMost(WAIT).until(() -> received().stream()
        .anyMatch(m -> m.hasModeAck() && m.getModeAck().getMode() == Mode.PRIMARY && m.getModeAck().getEpoch() == 41));

    PrometheusText scraped = PrometheusText.of(metrics);
    assertThat(scraped.value("tandem_primary")).hasValue(1);
    assertThat(scraped.value("tandem_protected_mode_active")).hasValue(0);
    assertThat(scraped.value("tandem_config_lag_events")).hasValue(0);
    assertThat(scraped.value("tandem_reloads_total", "mode", "normal", "result", "done"))
        .as("the first load is not a reload").hasValue(0);
  }

  @Test
  void aServingSpanIsRecordedNoLongerThanItWasItsStartTimedAfterHealthTurnedItsStopBefore() throws Exception {
    List<Long> heardStartAt = new CopyOnWriteArrayList<>();
    List<Long> heardStopAt = new CopyOnWriteArrayList<>();
    try (InProcessGrpc grpc = InProcessGrpc.serve(health.service())) {
      // A watcher slow to be told, as on a busy machine: the clock moves on while it is.
      HealthGrpc.newStub(grpc.channel()).watch(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
        @Override
        public void onNext(HealthCheckResponse response) {
          if (response.getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
            heardStartAt.add(clock.millis());
          } else if (!heardStartAt.isEmpty()) {
            heardStopAt.add(clock.millis());
          }
          clock.step(Duration.ofMillis(500));
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      });
      awaitReport(AppStatus.RUNNING);
      makePrimary(41);
      source.lastWatch().expire(); // a normal reload: it stops serving while it builds
      await("stopped for the reload, and recorded").atMost(WAIT).until(() -> !heardStopAt.isEmpty()
          && stopAfterStart(coordinator.serverInfo().getServingChangesList()) != null);
    }
    List<ServingChange> changes = coordinator.serverInfo().getServingChangesList();
    ServingChange start = changes.stream().filter(ServingChange::getServing).findFirst().orElseThrow();
    assertThat(start.getAtMs()).as("the start, after the watcher heard it").isGreaterThanOrEqualTo(heardStartAt.get(0));
    assertThat(stopAfterStart(changes).getAtMs()).as("the stop, before the watcher heard it")
        .isLessThanOrEqualTo(heardStopAt.get(0));
  }

  private static ServingChange stopAfterStart(List<ServingChange> changes) {
    boolean started = false;
    for (ServingChange change : changes) {
      started |= change.getServing();
      if (started && !change.getServing()) {
        return change;
      }
    }
    return null;
  }

  /** The system clock, which a test may also move on by hand. */
  private static final class SteppedClock extends Clock {
    private final AtomicLong offsetMs = new AtomicLong();

    void step(Duration by) {
      offsetMs.addAndGet(by.toMillis());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException("UTC only");
    }

    @Override
    public long millis() {
      return System.currentTimeMillis() + offsetMs.get();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis());
    }
  }

  @Test
  void aCommandUnderAnOlderEpochIsRefusedCountedAndNeverAcknowledged() {
    awaitReport(AppStatus.RUNNING);
    makePrimary(41);
    assertThat(PrometheusText.of(metrics).value("tandem_stale_mode_commands_refused_total")).hasValue(0);

    try (LogCapture log = new LogCapture(ReloadCoordinator.class)) {
      // What a deposed leader would send: an epoch the new leader has outbid.
      stream().back().onNext(SupervisionCommand.newBuilder().setMode(ModeCommand.newBuilder().setCommandId(2)
          .setMode(Mode.BACKUP).setEpoch(40).setReason("deposed leader")).build());
      // Then one under the epoch obeyed: acknowledgements go out in order on the one stream, so once this one
      // is in, an acknowledgement of the refused command would be in too.
      stream().back().onNext(SupervisionCommand.newBuilder().setMode(ModeCommand.newBuilder().setCommandId(3)
          .setMode(Mode.PRIMARY).setEpoch(41)).build());
      await("the next command acknowledged").atMost(WAIT).until(() -> received().stream()
          .anyMatch(m -> m.hasModeAck() && m.getModeAck().getCommandId() == 3));
      assertThat(received()).noneMatch(m -> m.hasModeAck() && m.getModeAck().getEpoch() == 40);
      assertThat(log.withId("02-10104")).singleElement().asString().contains("epoch=40", "obeyed_epoch=41");
    }
    assertThat(PrometheusText.of(metrics).value("tandem_stale_mode_commands_refused_total")).hasValue(1);
    assertThat(coordinator.serverInfo().getRole()).isEqualTo(Role.PRIMARY);
    assertThat(coordinator.serverInfo().getEpoch()).isEqualTo(41);
    assertThat(health.serving()).isTrue();
  }

  @Test
  void serverInfoStaysWithinTheMessageLimitWhateverTheNumberOfProducers() {
    // One client making a new producer id for every batch, each id as long as a name may be.
    String padding = "x".repeat(Names.MAX_LENGTH - 12);
    for (int i = 0; i < 35_000; i++) {
      TestFeed.feed(engine, EventBatch.newBuilder().setProducerId(String.format("p-%010d", i) + padding).setSequence(1)
          .addEvents(CenterEvent.newBuilder().setType(EventType.AGENT_LOGIN).setAgent("ann")).build(), new FeedCounters());
    }
    engine.barrier().join();

    ServerInfo info = coordinator.serverInfo();
    assertThat(info.getSerializedSize()).as("what GetServerInfo answers (the backup probe reads it)")
        .isLessThan(MessageLimits.MAX_MESSAGE_BYTES);
    assertThat(info.getProducersRemembered()).as("past 10,000, new producers are refused").isEqualTo(10_000);
    assertThat(info.getProducersList()).as("the producer remembered that was heard from last is listed")
        .anySatisfy(p -> assertThat(p.getProducerId()).startsWith("p-0000009999"));
  }

  @Test
  void aMemberThatStopsAcceptingClientsEndsItsOpenStatisticsSoTheirClientsMove() {
    awaitReport(AppStatus.RUNNING);
    makePrimary(7);
    Recording ann = openAnnsState();

    source.lastWatch().expire(); // config-reload-delay-if-primary is off: a normal reload, not serving meanwhile
    await().atMost(WAIT).until(() -> ann.failed.get() != null);
    assertThat(ann.failed.get().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(ann.failed.get().getDescription()).isEqualTo("reloading configuration");
    await("reloaded and serving again").atMost(WAIT).until(() -> health.serving()
        && coordinator.serverInfo().getReloadCount() == 1);
    assertThat(coordinator.serverInfo().getServingChangesList()).extracting(c -> c.getServing())
        .containsSubsequence(true, false, true);

    PrometheusText scraped = PrometheusText.of(metrics);
    assertThat(scraped.value("tandem_reloads_total", "mode", "normal", "result", "done")).hasValue(1);
    assertThat(scraped.value("tandem_reloads_total", "mode", "protected", "result", "done")).hasValue(0);
    assertThat(scraped.value("tandem_reload_duration_seconds_count", "mode", "normal")).hasValue(1);
    assertThat(scraped.value("tandem_open_statistics")).as("the statistic ended with the reload").hasValue(0);
  }

  /** An open statistic's values and end, as a client's stream would see them. */
  private static final class Recording implements StatisticSink {
    final AtomicReference<StatisticValue> closed = new AtomicReference<>();
    final AtomicReference<Status> failed = new AtomicReference<>();

    @Override
    public void offer(StatisticValue value) {
    }

    @Override
    public void closed(StatisticValue last) {
      closed.set(last);
    }

    @Override
    public void failed(Status status) {
      failed.set(status);
    }

    @Override
    public boolean abandoned() {
      return false;
    }
  }

  @Test
  void withServeDuringReloadAReloadThatFailsThenSucceedsNeverStopsServingAndOnlyTheSwapEndsADeletedObject() {
    awaitReport(AppStatus.RUNNING);
    makePrimary(11);
    setOption("serve-during-reload", "true");
    Recording ann = openAnnsState();

    // While the session is lost, ann is deleted; the first reload then runs out of memory.
    source.change(ChangeKind.DELETED, ConfigObject.newBuilder().setType(ObjectType.AGENT).setName("ann")
        .setAgent(Agent.getDefaultInstance()).build());
    source.failNextSnapshot(new OutOfMemoryError("Java heap space"));
    int watches = source.watches().size();
    source.lastWatch().expire();
    await("the reload failed").atMost(WAIT).until(() -> PrometheusText.of(metrics)
        .value("tandem_reloads_total", "mode", "normal", "result", "failed").orElse(0) == 1);
    assertThat(health.serving()).as("serving the configuration in hand").isTrue();
    assertThat(ann.closed.get()).as("ann is still in the model in use").isNull();

    await("the session restored").atMost(WAIT).until(() -> source.watches().size() > watches);
    source.lastWatch().expire();
    await("reloaded").atMost(WAIT).until(() -> coordinator.serverInfo().getReloadCount() == 1);
    await("ann's statistic ends at the swap").atMost(WAIT).until(() -> ann.closed.get() != null);
    assertThat(ann.failed.get()).as("never failed for a server that stopped serving").isNull();
    List<Boolean> serving = coordinator.serverInfo().getServingChangesList().stream()
        .map(change -> change.getServing()).toList();
    assertThat(serving.subList(serving.indexOf(true), serving.size())).as("never stopped serving once it served")
        .containsOnly(true);
  }

  @Test
  void aProtectedReloadIsCountedAsProtectedAndItsStateIsWatchable() {
    awaitReport(AppStatus.RUNNING);
    makePrimary(9);
    setOption("config-reload-delay-if-primary", "true");
    source.lastWatch().expire();
    await("protected mode").atMost(WAIT).until(() -> PrometheusText.of(metrics)
        .value("tandem_protected_mode_active").orElse(0) == 1);
    assertThat(health.serving()).as("a protected primary keeps serving").isTrue();
    assertThat(PrometheusText.of(metrics).value("tandem_backup_ready")).as("no backup answers here").hasValue(0);

    // The Management Layer makes it backup (as after the switchover): it reloads.
    stream().back().onNext(SupervisionCommand.newBuilder().setMode(ModeCommand.newBuilder().setCommandId(2)
        .setMode(Mode.BACKUP).setEpoch(10)).build());
    await("reloaded").atMost(WAIT).until(() -> coordinator.serverInfo().getReloadCount() == 1);
    PrometheusText scraped = PrometheusText.of(metrics);
    assertThat(scraped.value("tandem_reloads_total", "mode", "protected", "result", "done")).hasValue(1);
    assertThat(scraped.value("tandem_reloads_total", "mode", "normal", "result", "done")).hasValue(0);
    assertThat(scraped.value("tandem_protected_mode_active")).hasValue(0);
    assertThat(scraped.value("tandem_primary")).hasValue(0);
  }

  @Test
  void aMemberRefusedByTheManagementLayerStopsItsProcessWithTheReason() {
    stream().back().onError(Status.ALREADY_EXISTS
        .withDescription("StatServer_A is already running as instance abc-1 (client address localhost:2040)")
        .asRuntimeException());
    await().atMost(WAIT).until(() -> fatalStop.reason().isPresent());
    assertThat(fatalStop.reason().get()).contains("ALREADY_EXISTS", "already running as instance abc-1");
  }
}
