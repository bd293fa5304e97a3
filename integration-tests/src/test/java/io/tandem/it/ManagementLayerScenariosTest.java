package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.Timestamps;
import io.tandem.common.security.AccessRule;
import io.tandem.common.security.TransportSecurity;
import io.tandem.common.testing.PrometheusText;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.ExpireHistoryRequest;
import io.tandem.etcd.EtcdEndpoints;
import io.tandem.management.v1.GetPairsRequest;
import io.tandem.management.v1.ManagementServiceGrpc;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.PairStatus;
import io.tandem.management.v1.SwitchoverCause;
import io.tandem.management.v1.SwitchoverRequest;
import io.tandem.protocol.link.HostPort;
import io.tandem.testing.EtcdCluster;
import io.tandem.testing.FakeTime;
import io.tandem.testing.LinkProxy;
import io.tandem.testing.MetricsScrape;
import io.tandem.testing.StackMember;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The Management Layer's own faults: its restarts, its clock. */
@Order(5)
class ManagementLayerScenariosTest extends PairStackTest {
  @Test
  void s25AManagementLayerRestartedWithItsClockAnHourBackIssuesOnlyHigherEpochs() throws Exception {
    FakeTime.requireLibrary();
    stack = new PairStack(dir, PairStack.Setup.pair("false", "yes")).start();
    long issued = stack.pair().getEpoch();

    // Nobody is left who could tell the restarted Management Layer that epoch: its own ledger must.
    for (StackMember member : stack.stats()) {
      member.close();
    }
    stack.management().close();
    stack.startManagementLayer(FakeTime.environment(Duration.ofHours(-1)));
    long asOf = Timestamps.toMillis(ManagementServiceGrpc.newBlockingStub(stack.management().channel())
        .getPairs(GetPairsRequest.getDefaultInstance()).getAsOf());
    assertThat(asOf).as("the Management Layer's clock reads an hour back")
        .isLessThan(System.currentTimeMillis() - Duration.ofMinutes(50).toMillis());
    stack.startStatServerNoWait(PairStack.A);
    stack.startStatServerNoWait(PairStack.B);
    stack.awaitModesAcknowledged();

    assertThat(stack.pair().getEpoch()).as("the first epoch after the restart").isGreaterThan(issued);
    assertThat(stack.management().logLines(" 43-30022 ")).as("one start each: the first, then the restart")
        .hasSize(2).last().asString().contains("highest=" + issued, "first_start=false");
  }
  /**
   * The Management Layer's wall clock stepped an hour back while the pair runs (an NTP step, a
   * VM's time sync), then the primary frozen: it is found hung and failed over as without the
   * step. Judged on the wall clock, the heartbeats it had received looked an hour ahead of now, and
   * a frozen primary was not found hung for an hour.
   */
  @Test
  void s26AFrozenPrimaryIsFailedOverAfterTheManagementLayersClockWasSteppedBack() throws Exception {
    FakeTime.requireLibrary();
    Path offset = dir.resolve("management-clock-offset");
    stack = new PairStack(dir, PairStack.Setup.pair("false", "yes"))
        .withManagementEnvironment(FakeTime.steppable(offset))
        .withManagementOption("heartbeat-timeout", "2s")
        .withManagementOption("disconnect-switchover-timeout", "1s").start();
    String primary = stack.primary();
    String backup = stack.other(primary);

    FakeTime.step(offset, Duration.ofHours(-1));
    await("the Management Layer's clock an hour back").atMost(PairStack.WAIT).until(() -> asOf()
        < System.currentTimeMillis() - Duration.ofMinutes(50).toMillis());
    stack.stat(primary).pause();
    try {
      await("failover to " + backup).atMost(PairStack.WAIT).until(() -> stack.member(backup).getMode() == Mode.PRIMARY
          && stack.member(backup).getModeAcknowledged());
      // The cause, not the member's hung flag: keepalive may have closed the frozen member's stream since.
      assertThat(stack.pair().getLastSwitchover().getCause()).isEqualTo(SwitchoverCause.PRIMARY_HUNG);
    } finally {
      stack.stat(primary).resume();
    }
  }

  private long asOf() {
    return Timestamps.toMillis(ManagementServiceGrpc.newBlockingStub(stack.management().channel())
        .getPairs(GetPairsRequest.getDefaultInstance()).getAsOf());
  }

  /** A proxy per etcd member: one Management Layer's own way to etcd, to cut. */
  private static final class EtcdLink implements AutoCloseable {
    final List<LinkProxy> proxies = new ArrayList<>();

    EtcdLink(EtcdCluster etcd) throws IOException {
      for (EtcdCluster.Member member : etcd.members()) {
        proxies.add(new LinkProxy(member.client().port()));
      }
    }

    EtcdEndpoints endpoints() {
      return new EtcdEndpoints(proxies.stream().map(p -> new HostPort("127.0.0.1", p.port())).toList());
    }

    void cut() throws IOException {
      for (LinkProxy proxy : proxies) {
        proxy.cut();
      }
    }

    @Override
    public void close() throws IOException {
      for (LinkProxy proxy : proxies) {
        proxy.close();
      }
    }
  }

  @Test
  void s24ALeaderCutFromEtcdButNotFromThePairStepsDownAndNoMemberObeysIt() throws Exception {
    EtcdCluster.requireBinary();
    stack = new PairStack(dir, PairStack.Setup.pair("true", "yes")).withManagementOption("leader-lease", "3s");
    try (EtcdCluster etcd = EtcdCluster.startTls(dir.resolve("etcd"), 3, PairStack.WAIT, stack.stack);
        EtcdLink first = new EtcdLink(etcd);
        EtcdLink second = new EtcdLink(etcd)) {
      stack.withEtcd(etcd.endpoints()).withManagementLayers(first.endpoints(), second.endpoints()).start();
      StackMember leader = stack.leader();
      StackMember other = stack.otherManagementLayer(leader);
      long epoch = stack.pair().getEpoch();
      String primary = stack.primary();

      (leader.name().equals(PairStack.MANAGEMENT) ? first : second).cut();
      await("the other leads").atMost(PairStack.WAIT).until(() -> PairStack.leads(other));
      assertThat(PairStack.leads(leader)).as("the cut one stands by").isFalse();
      assertThat(leader.logLines(" 43-30025 ")).as("it stepped down by its own deadline").last().asString()
          .contains("cause=DEADLINE_PASSED");

      // The pair follows the new leader, which switches it over under a higher epoch.
      stack.awaitModesAcknowledged();
      assertThat(stack.primary()).as("nobody's mode changed on the way").isEqualTo(primary);
      ManagementServiceGrpc.newBlockingStub(other.channel())
          .switchover(SwitchoverRequest.newBuilder().setApplication(stack.other(primary)).build());
      stack.awaitPair("the switchover done").until(() -> switchedOverTo(stack.other(primary)));
      assertThat(stack.pair().getEpoch()).isGreaterThan(epoch);

      List<String> lines = leader.logText().lines().toList();
      int steppedDown = lines.size() - 1;
      while (!lines.get(steppedDown).contains(" 43-30025 ")) {
        steppedDown--;
      }
      assertThat(lines.subList(steppedDown, lines.size())).as("no mode assigned by the old leader once it stepped down")
          .noneMatch(line -> line.contains(" 43-30003 "));
    }
  }
  @Test
  void s22TheLeadingManagementLayerKilledInTheMiddleOfAProtectedReloadCostsThePairNothing() throws Exception {
    EtcdCluster.requireBinary();
    stack = new PairStack(dir, PairStack.Setup.pair("true", "yes")).withManagementOption("leader-lease", "3s");
    try (EtcdCluster etcd = EtcdCluster.startTls(dir.resolve("etcd"), 3, PairStack.WAIT, stack.stack)) {
      stack.withEtcd(etcd.endpoints()).withManagementLayers(etcd.endpoints(), etcd.endpoints()).start();
      String primary = stack.primary();
      StackMember leader = stack.leader();
      StackMember other = stack.otherManagementLayer(leader);
      try (HealthTimeline health = stack.watchHealth(); CallingClient client = new CallingClient(stack)) {
        await().atMost(PairStack.WAIT).until(() -> client.ok.get() > 100);
        // S3: every session expires; the primary protects while its backup reloads...
        ConfigServiceGrpc.newBlockingStub(stack.config().channel()).expireHistory(ExpireHistoryRequest.getDefaultInstance());
        await().atMost(PairStack.WAIT).until(() -> !stack.logged(primary, "02-10086").isEmpty());
        // ...and the Management Layer that would switch it over dies.
        // Counted now: on a starved machine leadership may already have moved once while the stack started.
        int electedBefore = other.logLines(" 43-30024 ").size();
        leader.kill();
        long killed = System.nanoTime();
        await("the standby leads").atMost(PairStack.WAIT).until(() -> PairStack.leads(other));
        long tookMs = (System.nanoTime() - killed) / 1_000_000;
        stack.awaitPair("the switchover done").until(() -> switchedOverTo(stack.other(primary)));
        await("both reloaded").atMost(PairStack.WAIT).until(() -> !stack.logged(primary, "02-10085").isEmpty()
            && stack.stats().stream().allMatch(m -> m.health().serving()));
        long okBefore = client.ok.get();
        await().atMost(PairStack.WAIT).until(() -> client.ok.get() > okBefore + 100);
        CallingClient.Served served = client.served(health);
        System.out.printf("S22: the standby led %d ms after the kill (lease 3 s); %s%n", tookMs, served);
        client.assertServedThroughout(served, health);
        assertThat(other.logLines(" 43-30024 ")).as("elected once after the kill").hasSize(electedBefore + 1);
      }
    }
  }

  @Test
  void s23ALeaderFrozenPastItsLeaseThenThePrimaryLostTheOtherFailsOverAndTheThawedOneStandsBy() throws Exception {
    EtcdCluster.requireBinary();
    stack = new PairStack(dir, PairStack.Setup.pair("true", "yes")).withManagementOption("leader-lease", "3s");
    try (EtcdCluster etcd = EtcdCluster.startTls(dir.resolve("etcd"), 3, PairStack.WAIT, stack.stack)) {
      stack.withEtcd(etcd.endpoints()).withManagementLayers(etcd.endpoints(), etcd.endpoints()).start();
      String primary = stack.primary();
      String backup = stack.other(primary);
      long epoch = stack.pair().getEpoch();
      StackMember leader = stack.leader();
      StackMember other = stack.otherManagementLayer(leader);

      leader.pause();
      await("the other leads").atMost(PairStack.WAIT).until(() -> PairStack.leads(other));
      stack.stat(primary).kill();
      // The Stat Servers find the frozen one gone (keepalive), move to the leader, which fails the pair over.
      stack.awaitPair("failed over to the backup").until(() -> primaryAcknowledged(backup));
      long failedOverAt = stack.pair().getEpoch();
      assertThat(failedOverAt).isGreaterThan(epoch);
      // Back as the backup under the new leader's epoch, so both members can hear the thawed one.
      stack.startStatServerNoWait(primary);
      stack.awaitPair("both members under the new leader").until(() -> switchedOverTo(backup));

      leader.resume();
      await("the thawed one stands by").atMost(PairStack.WAIT).until(() -> !leader.logLines(" 43-30025 ").isEmpty());
      assertThat(leader.logLines(" 43-30025 ")).last().asString().contains("cause=DEADLINE_PASSED");
      assertThat(PairStack.leads(leader)).isFalse();
      assertThat(PairStack.leads(other)).as("one leader only").isTrue();
      assertThat(stack.pair().getEpoch()).isEqualTo(failedOverAt);
      // It steps down before it sends anything: nothing reaches a member to refuse, on either side.
      try (TransportSecurity monitor = stack.stack.security(AccessRule.MONITOR)) {
        for (String member : List.of(primary, backup)) {
          assertThat(stack.stat(member).logLines(" 02-10104 ")).as("stale commands %s refused", member).isEmpty();
          PrometheusText metrics = new PrometheusText(MetricsScrape.text(monitor, stack.metricsPorts.get(member)));
          assertThat(metrics.value("tandem_stale_mode_commands_refused_total")).as(member).hasValue(0);
          assertThat(stack.info(member).getEpoch()).as(member).isEqualTo(failedOverAt);
        }
      }
      assertThat(primaryAcknowledged(backup)).isTrue();
    }
  }

  /** Whether the leader has {@code member} as primary, acknowledged (a new leader may have no primary yet). */
  private boolean primaryAcknowledged(String member) {
    return primaryAcknowledged(stack.pair(), member);
  }

  private static boolean primaryAcknowledged(PairStatus pair, String member) {
    return pair.getMembersList().stream()
        .anyMatch(m -> m.getApplication().equals(member) && m.getMode() == Mode.PRIMARY && m.getModeAcknowledged());
  }

  /** Whether {@code member} is primary and both members acknowledged their modes: a switchover done. */
  private boolean switchedOverTo(String member) {
    PairStatus pair = stack.pair();
    var members = pair.getMembersList();
    return primaryAcknowledged(pair, member) && members.size() == 2
        && members.stream().allMatch(m -> m.getModeAcknowledged());
  }
}
