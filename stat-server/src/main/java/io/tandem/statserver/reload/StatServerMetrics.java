package io.tandem.statserver.reload;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import io.tandem.protocol.reload.ReloadStateMachine;
import io.tandem.stat.v1.ConfigState;
import io.tandem.stat.v1.Role;
import io.tandem.statserver.stats.StatisticsEngine;
import io.tandem.statserver.sync.ConfigSync;

/**
 * What an operator watches of a Stat Server. The reload figures are derived from the
 * {@link ReloadStateMachine} after every input it takes ({@link #observe}, on the control
 * thread): a reload finished (its count grew) is timed and counted by mode — {@code protected}
 * when protected mode came before it, else {@code normal} — and a reload that failed is counted
 * too; the state becomes gauges. Statistics and feed figures are read from the engine when
 * scraped. The first load is not a reload.
 */
final class StatServerMetrics {
  static final String NORMAL = "normal";
  static final String PROTECTED = "protected";

  private final Histogram reloadDuration;
  private final Counter reloads;
  private final Counter sessionsRestored;
  private final Counter staleModeCommandsRefused;
  private final Gauge protectedModeActive;
  private final Gauge backupReady;
  private final Gauge primary;
  private ConfigState lastState = ConfigState.CONFIG_STATE_UNSPECIFIED;
  private long lastReloadCount;
  private boolean protectedSinceLastReload;
  private long lastStaleModeCommandsRefused;

  StatServerMetrics(PrometheusRegistry registry, StatisticsEngine engine, ConfigSync sync) {
    reloadDuration = Histogram.builder().name("tandem_reload_duration_seconds").unit(Unit.SECONDS)
        .help("Full configuration reloads: snapshot, model built beside the one in use, swap.")
        .classicUpperBounds(0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30)
        .classicOnly().labelNames("mode").register(registry);
    reloads = Counter.builder().name("tandem_reloads_total")
        .help("Full configuration reloads, by mode (normal, protected: after protected mode) and result (done, failed).")
        .labelNames("mode", "result").register(registry);
    for (String mode : new String[] {NORMAL, PROTECTED}) {
      reloadDuration.labelValues(mode);
      reloads.labelValues(mode, "done");
      reloads.labelValues(mode, "failed");
    }
    sessionsRestored = Counter.builder().name("tandem_config_sessions_restored_total")
        .help("Configuration sessions restored after a break without a reload (the history log had the changes).")
        .register(registry);
    staleModeCommandsRefused = Counter.builder().name("tandem_stale_mode_commands_refused_total")
        .help("Mode commands refused because they came under an older epoch than the last one obeyed (from a"
            + " deposed Management Layer leader, or sent before a newer primary was chosen); each is logged as 02-10104.")
        .register(registry);
    protectedModeActive = Gauge.builder().name("tandem_protected_mode_active")
        .help("1 while this primary serves in protected mode, its reload waiting for the backup.").register(registry);
    backupReady = Gauge.builder().name("tandem_backup_ready")
        .help("1 in protected mode once the backup was found ready to take over (serving, configuration reloaded).")
        .register(registry);
    primary = Gauge.builder().name("tandem_primary")
        .help("1 while this Stat Server runs as primary (or standalone), else 0.").register(registry);
    GaugeWithCallback.builder().name("tandem_config_lag_events")
        .help("Configuration changes the Config Server has that this server has not applied (its last known head"
            + " minus the last change applied).")
        .callback(gauge -> gauge.call(sync.lag())).register(registry);
    GaugeWithCallback.builder().name("tandem_open_statistics").help("Statistics open by clients now.")
        .callback(gauge -> gauge.call(engine.openStatistics())).register(registry);
    GaugeWithCallback.builder().name("tandem_feed_held_bytes")
        .help("Bytes in memory of fed batches received and not yet applied (held while a reload runs, or waiting"
            + " for the statistics thread), as received, all streams together (with tandem_feed_reserved_bytes,"
            + " what statserver/reload-feed-buffer bounds).")
        .callback(gauge -> gauge.call(engine.heldBytes())).register(registry);
    GaugeWithCallback.builder().name("tandem_feed_reserved_bytes")
        .help("Bytes the feed budget keeps for batches asked for and not yet arrived: what the largest batch"
            + " would take, for each stream asked.")
        .callback(gauge -> gauge.call(engine.feedReservedBytes())).register(registry);
    GaugeWithCallback.builder().name("tandem_feed_streams_waiting")
        .help("Feed streams waiting for room in the feed budget before they are asked for their next batch.")
        .callback(gauge -> gauge.call(engine.feedStreamsWaiting())).register(registry);
    GaugeWithCallback.builder().name("tandem_feed_producers")
        .help("Producers remembered for exactly-once (24 hours after their last batch, 10,000 at most).")
        .callback(gauge -> gauge.call(engine.producers().remembered())).register(registry);
    CounterWithCallback.builder().name("tandem_feed_producers_forgotten_total")
        .help("Producers forgotten, by reason: idle (no batch for 24 hours).")
        .labelNames("reason").callback(counter -> counter.call(engine.producers().forgottenIdle(), "idle"))
        .register(registry);
    CounterWithCallback.builder().name("tandem_feed_producers_refused_total")
        .help("Feed streams of new producers refused because 10,000 producers were remembered already.")
        .callback(counter -> counter.call(engine.producers().refused())).register(registry);
    CounterWithCallback.builder().name("tandem_feed_events_total")
        .help("Contact-center events fed, by outcome: applied, unknown_object (not in the configuration), ignored"
            + " (made no sense for the object's state).")
        .labelNames("outcome").callback(counter -> {
          counter.call(engine.eventsApplied(), "applied");
          counter.call(engine.eventsUnknown(), "unknown_object");
          counter.call(engine.eventsIgnored(), "ignored");
        }).register(registry);
  }

  /** After every input the machine took. */
  void observe(ReloadStateMachine machine) {
    ConfigState state = machine.configState();
    if (state == ConfigState.DELAYED) {
      protectedSinceLastReload = true;
    }
    String mode = protectedSinceLastReload ? PROTECTED : NORMAL;
    if (machine.reloadCount() > lastReloadCount) {
      lastReloadCount = machine.reloadCount();
      reloadDuration.labelValues(mode).observe(machine.lastReloadMillis() / 1000.0);
      reloads.labelValues(mode, "done").inc();
      protectedSinceLastReload = false;
    } else if (lastState == ConfigState.RELOADING && state == ConfigState.DISCONNECTED) {
      reloads.labelValues(mode, "failed").inc();
    } else if (lastState == ConfigState.DISCONNECTED && state == ConfigState.SYNCED) {
      sessionsRestored.inc();
    }
    lastState = state;
    long refused = machine.staleModeCommandsRefused();
    if (refused > lastStaleModeCommandsRefused) {
      staleModeCommandsRefused.inc(refused - lastStaleModeCommandsRefused);
      lastStaleModeCommandsRefused = refused;
    }
    protectedModeActive.set(state == ConfigState.DELAYED ? 1 : 0);
    backupReady.set(machine.backupReady() ? 1 : 0);
    primary.set(machine.role() == Role.PRIMARY || machine.role() == Role.STANDALONE ? 1 : 0);
  }
}
