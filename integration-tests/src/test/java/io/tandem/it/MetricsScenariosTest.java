package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.common.security.AccessRule;
import io.tandem.common.security.TransportSecurity;
import io.tandem.common.testing.PrometheusText;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.ExpireHistoryRequest;
import io.tandem.management.v1.ManagementServiceGrpc;
import io.tandem.management.v1.SwitchoverRequest;
import io.tandem.management.v1.SwitchoverResult;
import io.tandem.testing.MetricsScrape;
import io.tandem.testing.RunnableJars;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Every service's metrics port of a running stack, scraped as Prometheus would (HTTPS, the
 * {@code monitor} certificate, a real HTTP client), before and after a protected-mode reload:
 * the families an operator alerts on are there, and they say what happened.
 */
@Order(9)
class MetricsScenariosTest extends PairStackTest {
  private PrometheusText scrape(TransportSecurity monitor, String member) throws Exception {
    return new PrometheusText(MetricsScrape.text(monitor, stack.metricsPorts.get(member)));
  }

  private Map<String, PrometheusText> scrapeAll(TransportSecurity monitor) throws Exception {
    Map<String, PrometheusText> all = new LinkedHashMap<>();
    for (String member : stack.metricsPorts.keySet()) {
      all.put(member, scrape(monitor, member));
    }
    return all;
  }

  private static double reloadsDone(PrometheusText metrics) {
    return metrics.sum("tandem_reloads_total", "result", "done");
  }

  @Test
  void aProtectedReloadShowsInEveryServicesMetrics() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.pair("true", "yes")).withFsync().start();
    String primary = stack.primary();
    String backup = stack.other(primary);
    try (TransportSecurity monitor = stack.stack.security(AccessRule.MONITOR)) {
      Map<String, PrometheusText> before = scrapeAll(monitor);
      before.forEach((member, metrics) -> {
        assertThat(metrics.type("jvm_memory_used_bytes")).as(member).isEqualTo("gauge");
        assertThat(metrics.type("grpc_server_handled_total")).as(member).isEqualTo("counter");
        assertThat(metrics.value("tandem_serving")).as(member).hasValue(1);
      });
      assertThat(before.get(primary).value("tandem_primary")).hasValue(1);
      assertThat(before.get(backup).value("tandem_primary")).hasValue(0);

      ConfigServiceGrpc.newBlockingStub(stack.config().channel()).expireHistory(ExpireHistoryRequest.getDefaultInstance());
      await("both members reloaded and the pair switched over").atMost(PairStack.WAIT).until(() ->
          stack.info(primary).getReloadCount() >= 1 && stack.info(backup).getReloadCount() >= 1
              && stack.pair().getLastSwitchover().getResult() == SwitchoverResult.DONE);
      await("both members caught up").atMost(PairStack.WAIT).until(() -> {
        Map<String, PrometheusText> now = scrapeAll(monitor);
        return now.get(primary).value("tandem_config_lag_events").orElse(-1) == 0
            && now.get(backup).value("tandem_config_lag_events").orElse(-1) == 0;
      });
      Map<String, PrometheusText> after = scrapeAll(monitor);

      PrometheusText config = after.get(PairStack.CONFIG_SERVER);
      assertThat(config.value("tandem_history_log_records").orElseThrow()).isGreaterThanOrEqualTo(0);
      assertThat(config.value("tandem_config_head_event_id").orElseThrow()).isPositive();
      assertThat(config.value("tandem_journal_fsync_seconds_count").orElseThrow())
          .as("the expiry was written and forced").isPositive();
      assertThat(config.value("tandem_config_watchers")).hasValue(3);
      assertThat(config.value("tandem_config_objects_nonconforming")).hasValue(0);
      assertThat(config.value("grpc_server_handled_total", "grpc_method", "ExpireHistory", "grpc_code", "OK"))
          .hasValue(1);

      PrometheusText management = after.get(PairStack.MANAGEMENT);
      assertThat(management.value("tandem_switchovers_total", "cause", "SERVICE_UNAVAILABLE_REPORTED",
          "result", "DONE")).hasValue(1);
      assertThat(management.value("tandem_switchover_duration_seconds_count", "result", "DONE")).hasValue(1);
      assertThat(management.value("tandem_pair_mode_changes_total", "pair", "StatServer_A/StatServer_B")
          .orElseThrow()).isGreaterThanOrEqualTo(1);
      assertThat(management.value("tandem_applications_connected")).hasValue(2);
      assertThat(management.value("tandem_applications_hung")).hasValue(0);

      PrometheusText oldPrimary = after.get(primary);
      PrometheusText oldBackup = after.get(backup);
      assertThat(reloadsDone(oldPrimary)).as("reloads on " + primary).isEqualTo(reloadsDone(before.get(primary)) + 1);
      assertThat(reloadsDone(oldBackup)).as("reloads on " + backup).isEqualTo(reloadsDone(before.get(backup)) + 1);
      assertThat(oldPrimary.value("tandem_reloads_total", "mode", "protected", "result", "done")).hasValue(1);
      assertThat(oldBackup.value("tandem_reloads_total", "mode", "normal", "result", "done")).hasValue(1);
      assertThat(oldPrimary.value("tandem_reload_duration_seconds_count", "mode", "protected")).hasValue(1);
      assertThat(oldPrimary.value("tandem_reload_duration_seconds_sum", "mode", "protected").orElseThrow())
          .isPositive().isLessThan(60);
      for (PrometheusText member : new PrometheusText[] {oldPrimary, oldBackup}) {
        assertThat(member.value("tandem_protected_mode_active")).hasValue(0);
        assertThat(member.value("tandem_backup_ready")).hasValue(0);
        assertThat(member.value("tandem_serving")).hasValue(1);
        assertThat(member.value("tandem_open_statistics")).hasValue(0);
        assertThat(member.type("tandem_feed_events_total")).isEqualTo("counter");
        assertThat(member.value("tandem_feed_held_bytes")).hasValue(0);
      }
      assertThat(oldPrimary.value("tandem_primary")).as("switched over").hasValue(0);
      assertThat(oldBackup.value("tandem_primary")).hasValue(1);
    }
  }

  /** A metric name in a PromQL expression: Tandem's families and the JVM's. */
  private static final Pattern METRIC = Pattern.compile("\\b((?:tandem|jvm)_[a-z0-9_]+)\\b");

  /**
   * Families this stack cannot show: the Config Server's over an etcd store only, and a counter
   * with no series before its first leadership change. Each is scraped in its own scenario.
   */
  private static final Set<String> NOT_ON_THIS_STACK = Set.of("tandem_config_replica_lag_events",
      "tandem_management_leadership_changes_total");

  /**
   * What ops/ ships (the Grafana dashboard, the alert rules) names only metrics the services
   * export: a renamed family would leave a panel empty and an alert silent, with nothing to say so.
   */
  @Test
  void everyMetricTheDashboardAndTheAlertRulesNameIsOneTheServicesExport() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.pair("true", "yes")).start();
    // A switchover first: the switchover histogram has a series only once one has happened.
    String primary = stack.primary();
    ManagementServiceGrpc.newBlockingStub(stack.management().channel())
        .switchover(SwitchoverRequest.newBuilder().setApplication(stack.other(primary)).build());
    await("switched over").atMost(PairStack.WAIT).until(() -> stack.primary().equals(stack.other(primary)));
    Set<String> exported = new TreeSet<>();
    try (TransportSecurity monitor = stack.stack.security(AccessRule.MONITOR)) {
      scrapeAll(monitor).values().forEach(metrics -> exported.addAll(metrics.sampleNames()));
    }
    Set<String> named = new TreeSet<>();
    for (String file : List.of("ops/grafana/tandem.json", "ops/prometheus/tandem-rules.yml")) {
      Matcher m = METRIC.matcher(Files.readString(RunnableJars.home().resolve(file)));
      while (m.find()) {
        named.add(m.group(1));
      }
    }
    assertThat(named).as("names found").hasSizeGreaterThan(10);
    assertThat(named).as("named in ops/ but not exported by the services")
        .allMatch(name -> exported.contains(name) || NOT_ON_THIS_STACK.contains(name));
    String catalogue = Files.readString(RunnableJars.home().resolve("docs/metrics.md"));
    assertThat(NOT_ON_THIS_STACK).as("catalogued").allMatch(name -> catalogue.contains("`" + name + "`"));
  }

}
