package io.tandem.configserver;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import io.tandem.configserver.etcd.EtcdLog;
import io.tandem.configserver.store.ChangeLog;
import io.tandem.configserver.store.ConfigStore;
import io.tandem.configserver.watch.WatchHub;
import jakarta.inject.Inject;

/**
 * What an operator watches of the Config Server: the head and the history log (how far back a
 * client can still resume), stored objects beyond today's limits, the watchers, and how long the
 * journal's fsyncs take (every write waits for one before it is acknowledged); over etcd, its
 * round trips, lost races and how far this process is behind the shared log.
 */
public final class ConfigServerMetrics {
  @Inject
  public ConfigServerMetrics(PrometheusRegistry registry, ConfigStore store, WatchHub watches, ChangeLog log) {
    GaugeWithCallback.builder().name("tandem_config_head_event_id")
        .help("The id of the last change the Config Server accepted.")
        .callback(gauge -> gauge.call(store.head())).register(registry);
    GaugeWithCallback.builder().name("tandem_history_log_records")
        .help("Changes held in the history log: what a client can resume across without a reload.")
        .callback(gauge -> gauge.call(store.history().records())).register(registry);
    GaugeWithCallback.builder().name("tandem_history_log_oldest_retained_event_id")
        .help("The oldest change the history log still holds; a client behind it must reload.")
        .callback(gauge -> gauge.call(store.history().oldestRetained())).register(registry);
    GaugeWithCallback.builder().name("tandem_config_objects_nonconforming")
        .help("Stored objects that break today's limits or rules (written before them; alarm 21-20023 names each).")
        .callback(gauge -> gauge.call(store.nonconformingObjects())).register(registry);
    GaugeWithCallback.builder().name("tandem_config_watchers")
        .help("Watch streams (configuration sessions) open now.")
        .callback(gauge -> gauge.call(watches.sessions().size())).register(registry);
    Histogram fsync = Histogram.builder().name("tandem_journal_fsync_seconds").unit(Unit.SECONDS)
        .help("How long forcing one request's journal frame to disk took; every write waits for it.")
        .classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1)
        .classicOnly().register(registry);
    store.onJournalForce(nanos -> fsync.observe(nanos / 1e9));
    if (log instanceof EtcdLog etcd) {
      registerEtcd(registry, store, etcd);
    }
  }

  private static void registerEtcd(PrometheusRegistry registry, ConfigStore store, EtcdLog etcd) {
    EtcdLog.Figures figures = etcd.figures();
    Histogram roundTrip = Histogram.builder().name("tandem_etcd_round_trip_seconds").unit(Unit.SECONDS)
        .help("How long one call to etcd took (a write's transaction, a read of the log or a checkpoint).")
        .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
        .classicOnly().register(registry);
    figures.onRoundTrip(nanos -> roundTrip.observe(nanos / 1e9));
    CounterWithCallback.builder().name("tandem_etcd_txn_conflicts_total")
        .help("Writes that lost the race to another Config Server (the head had moved) and were validated again.")
        .callback(counter -> counter.call(figures.conflicts())).register(registry);
    GaugeWithCallback.builder().name("tandem_config_replica_lag_events")
        .help("Changes the etcd log holds that this Config Server does not serve yet (the log's head read at each scrape).")
        .callback(gauge -> gauge.call(Math.max(0, etcd.headForLag() - store.head()))).register(registry);
  }
}
