package io.tandem.management.supervision;

import io.tandem.common.bootstrap.FatalStop;
import io.tandem.management.leader.Leading;
import io.tandem.management.ledger.FileEpochLedger;
import io.tandem.management.ledger.PairMemories;
import java.io.IOException;
import java.nio.file.Path;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tandem.common.testing.PrometheusText;
import io.tandem.protocol.time.ManualClock;
import io.tandem.protocol.redundancy.Arrival;
import io.tandem.protocol.redundancy.RedundancySettings;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.ModeCommand;
import io.tandem.management.v1.SupervisionCommand;
import io.tandem.management.v1.SwitchoverReply;
import io.tandem.management.v1.SwitchoverResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Management Layer's metrics as a scrape reads them, with the redundancy loop driven by hand
 * on the test's thread (its own thread is not started) and a hand-moved clock.
 */
class RedundancyMetricsTest {
  private static final String PAIR = "A/B";
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final ManualClock clock = new ManualClock();
  @TempDir
  Path dir;
  private RedundancyLoop loop;
  private final Map<String, RecordingServerStream<SupervisionCommand>> streams =
      Map.of("A", new RecordingServerStream<>(), "B", new RecordingServerStream<>());
  private final Map<String, Long> sessionIds = Map.of("A", 1L, "B", 2L);
  private final List<SwitchoverReply> replies = new CopyOnWriteArrayList<>();

  @BeforeEach
  void configure() throws IOException {
    loop = new RedundancyLoop(clock, clock, registry, FileEpochLedger.open(dir, clock), PairMemories.none(),
        Leading.alone(),
        new FatalStop("management-layer"));
    loop.configure(Map.of("A", "B", "B", ""), RedundancySettings.DEFAULTS);
  }

  private void hello(String app, Mode runsAs, long epoch) {
    loop.register(new SupervisionSession(sessionIds.get(app), app, streams.get(app)),
        new Arrival(app, sessionIds.get(app), "instance-" + app, "", "10.0.0.1:1", runsAs, epoch));
  }

  private void report(String app, AppStatus status) {
    loop.apply(now -> loop.controller().statusReported(app, sessionIds.get(app), status, "", now));
  }

  /** Both applications acknowledge every mode command they were sent. */
  private void acknowledgeAll() {
    for (String app : List.of("A", "B")) {
      for (SupervisionCommand command : streams.get(app).sent) {
        if (command.hasMode()) {
          ModeCommand mode = command.getMode();
          loop.apply(now -> loop.controller().modeAcknowledged(app, sessionIds.get(app), mode.getCommandId(),
              mode.getMode(), mode.getEpoch(), now));
        }
      }
    }
  }

  private void switchover(long requestId) {
    loop.addRequest(requestId, new StreamObserver<>() {
      @Override
      public void onNext(SwitchoverReply reply) {
        replies.add(reply);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    });
    loop.apply(now -> loop.controller().switchoverRequested("A", requestId, now));
  }

  private double modeChanges() {
    return PrometheusText.of(registry).value("tandem_pair_mode_changes_total", "pair", PAIR).orElse(-1);
  }

  @Test
  void membersSayingHelloAfterARestartChangeNoModeAndCountNone() {
    // A restarted Management Layer: both members run already, and say so with their epoch.
    hello("A", Mode.PRIMARY, 7);
    hello("B", Mode.BACKUP, 7);
    report("A", AppStatus.RUNNING);
    report("B", AppStatus.RUNNING);
    assertThat(loop.currentStatus().getPairs(0).getEpoch()).as("the pair's epoch, from the hellos").isEqualTo(7);
    assertThat(modeChanges()).as("mode changes counted for hellos that changed no mode").isZero();

    switchover(1);
    acknowledgeAll();
    assertThat(replies).extracting(SwitchoverReply::getResult).containsExactly(SwitchoverResult.DONE);
    assertThat(modeChanges()).as("a switchover done").isEqualTo(1);
  }

  @Test
  void aSwitchoverAskedForWhileOneIsInFlightIsCountedAsAlreadyInProgress() {
    hello("A", Mode.MODE_UNSPECIFIED, 0);
    hello("B", Mode.MODE_UNSPECIFIED, 0);
    report("A", AppStatus.RUNNING);
    report("B", AppStatus.RUNNING);
    acknowledgeAll();
    clock.advance(Duration.ofSeconds(1));

    switchover(1); // not acknowledged yet: in flight
    switchover(2);
    assertThat(replies).extracting(SwitchoverReply::getResult).containsExactly(SwitchoverResult.ALREADY_IN_PROGRESS);
    PrometheusText scraped = PrometheusText.of(registry);
    assertThat(scraped.value("tandem_switchovers_total", "cause", "MANUAL", "result", "ALREADY_IN_PROGRESS"))
        .as("the refused request counted").hasValue(1);

    acknowledgeAll();
    assertThat(replies).extracting(SwitchoverReply::getResult)
        .containsExactly(SwitchoverResult.ALREADY_IN_PROGRESS, SwitchoverResult.DONE);
    scraped = PrometheusText.of(registry);
    assertThat(scraped.value("tandem_switchovers_total", "cause", "MANUAL", "result", "DONE")).hasValue(1);
    assertThat(scraped.value("tandem_switchovers_total", "cause", "MANUAL", "result", "ALREADY_IN_PROGRESS"))
        .hasValue(1);
  }
}
