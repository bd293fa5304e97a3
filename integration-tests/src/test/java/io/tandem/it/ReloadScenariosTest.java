package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.management.v1.SwitchoverResult;
import io.tandem.stat.v1.ConfigState;
import io.tandem.stat.v1.ReloadMode;
import io.tandem.testing.StackMember;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The reload scenarios (docs/architecture.md, *Scenarios*) with every service a real process. History loss is made the
 * way it happens: the Config Server restarts with its history log emptied.
 */
@Order(3)
class ReloadScenariosTest extends PairStackTest {
  private static final Duration WAIT = PairStack.WAIT;

  @Test
  void s1ShortOutageWithHistoryIntactRestoresTheSessionsWithoutReload() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.pair("true", "yes")).start();
    try (HealthTimeline health = stack.watchHealth()) {
      stack.config().close();
      await().atMost(WAIT).until(() -> !stack.logged(PairStack.A, "02-10090").isEmpty()
          && !stack.logged(PairStack.B, "02-10090").isEmpty());
      stack.startConfigServer(false);
      await().atMost(WAIT).until(() -> !stack.logged(PairStack.A, "02-10088").isEmpty()
          && !stack.logged(PairStack.B, "02-10088").isEmpty());
      for (String member : List.of(PairStack.A, PairStack.B)) {
        assertThat(stack.logged(member, "02-10084")).as("%s reloads", member).isEmpty();
        assertThat(stack.logged(member, "02-10086")).isEmpty();
        assertThat(health.everNotServing(member)).as("%s stopped serving", member).isFalse();
        assertThat(stack.info(member).getConfigState()).isEqualTo(ConfigState.SYNCED);
      }
    }
  }

  @Test
  void s2HistoryExpiredWithTheOptionFalseReloadsBothAndThePairGoesDark() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.pair("false", "yes").withAgents(100_000, 1000)).start();
    try (HealthTimeline health = stack.watchHealth()) {
      // Both members meet the restarted Config Server at the same moment, as when a network
      // partition heals: frozen while it restarts, thawed together once it is up.
      for (StackMember member : stack.stats()) {
        member.pause();
      }
      stack.restartConfigServer(true);
      for (StackMember member : stack.stats()) {
        member.resume();
      }
      await().atMost(WAIT).until(() -> !stack.logged(PairStack.A, "02-10085").isEmpty()
          && !stack.logged(PairStack.B, "02-10085").isEmpty());
      for (String member : List.of(PairStack.A, PairStack.B)) {
        assertThat(stack.logged(member, "02-10084")).singleElement().asString().contains("reason=");
        assertThat(stack.logged(member, "02-10086")).as("no protected mode").isEmpty();
      }
      await().atMost(WAIT).until(() -> stack.stats().stream().allMatch(s -> s.health().serving()));
      double dark = health.darkMillis();
      double byServers = stack.darkMillisByServers();
      System.out.printf("S2: the pair was dark for %.1f ms (by the servers' own clocks: %.0f ms)%n", dark, byServers);
      assertThat(dark).as("milliseconds with neither member SERVING").isPositive();
      assertThat(byServers).as("the same, by the servers' clocks").isPositive();
    }
  }

  @Test
  void s3HistoryExpiredWithTheOptionTrueUsesProtectedModeAndThePairNeverGoesDark() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.pair("true", "yes").withAgents(100_000, 1000)).start();
    String primary = stack.primary();
    String backup = stack.other(primary);
    try (HealthTimeline health = stack.watchHealth(); CallingClient client = new CallingClient(stack)) {
      await().atMost(WAIT).until(() -> client.ok.get() > 100);
      stack.restartConfigServer(true);

      await().atMost(WAIT).until(() -> !stack.logged(primary, "02-10087").isEmpty());
      await().atMost(WAIT).until(() -> stack.logged(primary, "02-10085").size() == 1);
      assertThat(stack.logged(primary, "02-10086")).hasSize(1);
      assertThat(stack.logged(primary, "02-10087")).singleElement().asString().contains("reason=switched to backup");
      assertThat(stack.logged(primary, "02-10084")).singleElement().asString().contains("after protected mode");
      assertThat(stack.logged(backup, "02-10084")).singleElement().asString().contains("reason=backup");
      assertThat(stack.logged(backup, "02-10085")).hasSize(1);
      assertThat(stack.logged(backup, "02-10086")).isEmpty();
      assertThat(stack.primary()).as("the pair switched over").isEqualTo(backup);
      assertThat(stack.pair().getLastSwitchover().getResult()).isEqualTo(SwitchoverResult.DONE);
      await().atMost(WAIT).until(() -> stack.stats().stream().allMatch(s -> s.health().serving()));
      long okBefore = client.ok.get();
      await().atMost(WAIT).until(() -> client.ok.get() > okBefore + 100);

      CallingClient.Served served = client.served(health);
      System.out.printf("S3: %s%n", served);
      for (String member : List.of(primary, backup)) {
        assertThat(stack.stat(member).logText()).as("%s in 256 MB of heap", member).doesNotContain("OutOfMemoryError");
      }
      client.assertServedThroughout(served, health);
      assertThat(stack.info(primary).getReloadMode()).isEqualTo(ReloadMode.NORMAL);
      assertThat(stack.info(primary).getReloadCount()).isEqualTo(1);
    }
  }

  @Test
  void s4ABackupThatRefusesClientsMakesThePrimaryReloadAtOnce() throws Exception {
    stack = new PairStack(dir, new PairStack.Setup(true, "true", "true", "no", "no", 200, 4)).start();
    String primary = stack.primary();
    stack.restartConfigServer(true);
    await().atMost(WAIT).until(() -> !stack.logged(primary, "02-10085").isEmpty());
    assertThat(stack.logged(primary, "02-10086")).isEmpty();
    assertThat(stack.logged(primary, "02-10084")).singleElement().asString()
        .contains("has accept-clients-in-backup-mode = no");
  }

  @Test
  void s5AStandaloneServerReloadsAtOnce() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.standalone()).start();
    stack.restartConfigServer(true);
    await().atMost(WAIT).until(() -> !stack.logged(PairStack.A, "02-10085").isEmpty());
    assertThat(stack.logged(PairStack.A, "02-10086")).isEmpty();
    assertThat(stack.logged(PairStack.A, "02-10084")).singleElement().asString().contains("reason=standalone");
    await().atMost(WAIT).until(() -> stack.stat(PairStack.A).health().serving());
  }

  @Test
  void s10TurningTheOptionOffWhileProtectedEndsProtectedModeWithAReload() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.pair("true", "yes")).start();
    String primary = stack.primary();
    String backup = stack.other(primary);
    stack.stat(backup).close(); // the backup never becomes ready: protected mode lasts
    stack.restartConfigServer(true);
    await().atMost(WAIT).until(() -> !stack.logged(primary, "02-10086").isEmpty());
    assertThat(stack.info(primary).getReloadMode()).isEqualTo(ReloadMode.PROTECTED);
    assertThat(stack.serving(primary)).as("serving while protected").isTrue();

    stack.setOption(primary, "config-reload-delay-if-primary", "false");
    await().atMost(WAIT).until(() -> !stack.logged(primary, "02-10085").isEmpty());
    assertThat(stack.logged(primary, "02-10087")).singleElement().asString()
        .contains("option config-reload-delay-if-primary turned off");
    assertThat(stack.logged(primary, "02-10084")).singleElement().asString().contains("after protected mode");
    assertThat(stack.info(primary).getReloadMode()).isEqualTo(ReloadMode.NORMAL);
  }
}
