package io.tandem.management.supervision;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import io.tandem.management.v1.MemberStatus;
import io.tandem.management.v1.PairStatus;
import io.tandem.management.v1.PairsStatus;
import io.tandem.management.v1.SwitchoverCause;
import io.tandem.management.v1.SwitchoverRecord;
import io.tandem.management.v1.SwitchoverResult;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What an operator watches of the Management Layer, derived from the pair status it publishes
 * after every decision: switchovers by cause and result (each recorded as a pair's last
 * switchover), how long they took, the pairs' mode changes (as the controller counts them for the
 * flapping alarm), and who is connected or hung. Label values are enum names and the configured
 * pairs' names, so bounded. Called on the loop thread; scrapes read the gauges' published figures.
 */
final class RedundancyMetrics {
  private final Counter switchovers;
  private final Histogram switchoverDuration;
  private final Counter modeChanges;
  private final Map<String, PairStatus> lastSeen = new HashMap<>();
  /** Mode changes counted so far, by pair. */
  private final Map<String, Long> modeChangesCounted = new HashMap<>();
  private volatile PairsStatus published = PairsStatus.getDefaultInstance();

  private final Counter leadershipChanges;

  RedundancyMetrics(PrometheusRegistry registry, BooleanSupplier leads) {
    GaugeWithCallback.builder().name("tandem_management_leader")
        .help("1 while this Management Layer leads (always, when it runs alone), 0 while it stands by.")
        .callback(gauge -> gauge.call(leads.getAsBoolean() ? 1 : 0)).register(registry);
    leadershipChanges = Counter.builder().name("tandem_management_leadership_changes_total")
        .help("Times this Management Layer was elected or stepped down, by the role it took and why.")
        .labelNames("role", "cause").register(registry);
    switchovers = Counter.builder().name("tandem_switchovers_total")
        .help("Switchovers and failovers, by what started them and how they ended.").labelNames("cause", "result")
        .register(registry);
    for (SwitchoverCause cause : SwitchoverCause.values()) {
      if (cause != SwitchoverCause.SWITCHOVER_CAUSE_UNSPECIFIED && cause != SwitchoverCause.UNRECOGNIZED) {
        switchovers.labelValues(cause.name(), SwitchoverResult.DONE.name());
      }
    }
    switchoverDuration = Histogram.builder().name("tandem_switchover_duration_seconds").unit(Unit.SECONDS)
        .help("From a switchover's start to both modes acknowledged (or to its refusal or time-out).")
        .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
        .classicOnly().labelNames("result").register(registry);
    modeChanges = Counter.builder().name("tandem_pair_mode_changes_total")
        .help("Mode changes of a pair, as flapping-threshold counts them: a switchover or failover done, a pair "
            + "formed that made one of two primaries backup, a primary chosen for a pair that had none.")
        .labelNames("pair").register(registry);
    GaugeWithCallback.builder().name("tandem_applications_connected")
        .help("Supervised applications whose supervision stream is open.")
        .callback(gauge -> gauge.call(members().filter(MemberStatus::getConnected).count())).register(registry);
    GaugeWithCallback.builder().name("tandem_applications_hung")
        .help("Supervised applications silent for heartbeat-timeout (hung).")
        .callback(gauge -> gauge.call(members().filter(MemberStatus::getHung).count())).register(registry);
  }

  private Stream<MemberStatus> members() {
    return published.getPairsList().stream().flatMap(p -> p.getMembersList().stream());
  }

  /** This Management Layer took {@code role} ("LEADER", "STANDBY") for {@code cause} ("ELECTED", or why it stepped down). */
  void leadershipChanged(String role, String cause) {
    leadershipChanges.labelValues(role, cause).inc();
  }

  /** The pair status just published, and the controller's mode changes by pair so far. */
  void observe(PairsStatus status, Map<String, Long> modeChangesByPair) {
    published = status;
    for (PairStatus pair : status.getPairsList()) {
      if (pair.getMembersCount() < 2) {
        continue;
      }
      String name = pair.getMembersList().stream().map(MemberStatus::getApplication).collect(Collectors.joining("/"));
      PairStatus before = lastSeen.put(name, pair);
      long changes = modeChangesByPair.getOrDefault(name, 0L);
      long counted = modeChangesCounted.getOrDefault(name, 0L);
      modeChanges.labelValues(name).inc(Math.max(0, changes - counted));
      modeChangesCounted.put(name, Math.max(changes, counted));
      SwitchoverRecord last = pair.getLastSwitchover();
      if (pair.hasLastSwitchover() && (before == null || !last.equals(before.getLastSwitchover()))) {
        switchovers.labelValues(last.getCause().name(), last.getResult().name()).inc();
        switchoverDuration.labelValues(last.getResult().name()).observe(last.getDurationMs() / 1000.0);
      }
    }
  }
}
