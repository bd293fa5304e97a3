package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.CreateObjectRequest;
import io.tandem.config.v1.GetHistoryInfoRequest;
import io.tandem.config.v1.ObjectType;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.SwitchoverCause;
import io.tandem.stat.v1.GetStatisticRequest;
import io.tandem.stat.v1.ReloadMode;
import io.tandem.stat.v1.StatObject;
import io.tandem.stat.v1.StatServiceGrpc;
import io.tandem.stat.v1.StatisticSpec;
import io.tandem.stat.v1.StatisticType;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** Scenarios S6, S7, S8, S11 (docs/architecture.md, *Scenarios*): protected mode and session restore when other parts fail too. */
@Order(7)
class ResilienceScenariosTest extends PairStackTest {
  private static final Duration WAIT = PairStack.WAIT;

  @Test
  void s6TheBackupCrashedAndComesBackThePrimaryStaysProtectedAndServingUntilItIsReady() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.pair("true", "yes")).start();
    String primary = stack.primary();
    String backup = stack.other(primary);
    stack.stat(backup).kill();
    stack.restartConfigServer(true);
    await().atMost(WAIT).until(() -> !stack.logged(primary, "02-10086").isEmpty());
    await().atMost(WAIT).until(() -> !stack.logged(primary, "02-10092").isEmpty());
    assertThat(stack.serving(primary)).as("protected and serving").isTrue();
    assertThat(stack.info(primary).getReloadMode()).isEqualTo(ReloadMode.PROTECTED);
    assertThat(stack.logged(primary, "02-10094")).as("no switchover asked while the backup is down").isEmpty();

    stack.startStatServerNoWait(backup);
    await().atMost(WAIT).until(() -> !stack.logged(primary, "02-10087").isEmpty()
        && stack.logged(primary, "02-10085").size() == 1);
    assertThat(stack.logged(primary, "02-10093")).hasSize(1);
    await().atMost(WAIT).until(() -> stack.primary().equals(backup));
    await().atMost(WAIT).until(() -> stack.serving(primary) && stack.serving(backup));
  }

  @Test
  void s7TheManagementLayerIsDownThePrimaryStaysProtectedRetriesAndCompletesWhenItReturns() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.pair("true", "yes")).start();
    String primary = stack.primary();
    String backup = stack.other(primary);
    stack.management().close();
    stack.restartConfigServer(true);
    await().atMost(WAIT).until(() -> !stack.logged(primary, "02-10094").isEmpty());
    assertThat(stack.logged(backup, "02-10085")).as("the backup reloaded").hasSize(1);
    assertThat(stack.logged(primary, "02-10087")).isEmpty();
    assertThat(stack.serving(primary)).isTrue();
    assertThat(stack.info(primary).getReloadMode()).isEqualTo(ReloadMode.PROTECTED);

    stack.startManagementLayer();
    await().atMost(WAIT).until(() -> !stack.logged(primary, "02-10087").isEmpty()
        && stack.logged(primary, "02-10085").size() == 1);
    assertThat(stack.management().logLines("43-30005").stream()
        .anyMatch(l -> l.contains("application=" + primary) && l.contains("status=SERVICE_UNAVAILABLE")))
        .as("the retried SERVICE_UNAVAILABLE reached the Management Layer once it was back").isTrue();
    stack.awaitModesAcknowledged();
    assertThat(stack.primary()).isEqualTo(backup);
    await().atMost(WAIT).until(() -> stack.serving(primary) && stack.serving(backup));
  }

  @Test
  void s8ThePrimaryCrashesWhileProtectedAndTheReloadedBackupTakesOver() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.pair("true", "yes")).start();
    String primary = stack.primary();
    String backup = stack.other(primary);
    long objects = ConfigServiceGrpc.newBlockingStub(stack.config().channel())
        .getHistoryInfo(GetHistoryInfoRequest.getDefaultInstance()).getObjects();
    // The backup is frozen so the primary is still protected (its backup not ready) when it crashes.
    stack.stat(backup).pause();
    stack.restartConfigServer(true);
    await().atMost(WAIT).until(() -> !stack.logged(primary, "02-10086").isEmpty());
    stack.stat(primary).kill();
    stack.stat(backup).resume();
    await().atMost(WAIT).until(() -> stack.logged(backup, "02-10085").size() == 1);
    await().atMost(WAIT).until(() -> stack.pair().getMembersList().stream()
        .anyMatch(m -> m.getApplication().equals(backup) && m.getMode() == Mode.PRIMARY && m.getModeAcknowledged()));
    assertThat(stack.pair().getLastSwitchover().getCause()).isEqualTo(SwitchoverCause.FAILOVER);
    assertThat(stack.serving(backup)).isTrue();
    assertThat(ConfigServiceGrpc.newBlockingStub(stack.config().channel())
        .getHistoryInfo(GetHistoryInfoRequest.getDefaultInstance()).getObjects()).isEqualTo(objects);
  }

  @Test
  void s11TheConfigServerIsKilledAndRestartsWithItsJournalNothingIsLostAndSessionsRestore() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.pair("true", "yes")).start();
    var config = ConfigServiceGrpc.newBlockingStub(stack.config().channel());
    config.createObject(CreateObjectRequest.newBuilder().setObject(ConfigObject.newBuilder()
        .setType(ObjectType.AGENT).setName("before-crash")).build());
    stack.config().kill();
    stack.startConfigServer(false);
    for (String member : List.of(PairStack.A, PairStack.B)) {
      await().atMost(WAIT).until(() -> !stack.logged(member, "02-10088").isEmpty());
      assertThat(stack.logged(member, "02-10084")).as("%s reloaded", member).isEmpty();
    }
    ConfigServiceGrpc.newBlockingStub(stack.config().channel()).createObject(CreateObjectRequest.newBuilder()
        .setObject(ConfigObject.newBuilder().setType(ObjectType.AGENT).setName("after-restart")).build());
    for (String member : List.of(PairStack.A, PairStack.B)) {
      for (String agent : List.of("before-crash", "after-restart")) {
        await().atMost(WAIT).ignoreExceptions().until(() -> StatServiceGrpc.newBlockingStub(stack.stat(member)
            .channel()).getStatistic(GetStatisticRequest.newBuilder().setSpec(StatisticSpec.newBuilder()
                .setObject(StatObject.newBuilder().setType(ObjectType.AGENT).setName(agent))
                .setStatistic(StatisticType.CURRENT_AGENT_STATE)).build()) != null);
      }
    }
  }
}
