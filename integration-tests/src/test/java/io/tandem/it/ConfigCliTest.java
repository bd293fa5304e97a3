package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import io.tandem.common.security.TlsFlags;
import java.util.Map;

import io.tandem.common.process.FreePorts;
import io.tandem.testing.MiniStack;
import io.tandem.testing.Service;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * {@code tandem config ...} against a Config Server process, as an operator uses it. Each test has
 * its own Config Server, so they run side by side.
 */
@Execution(ExecutionMode.CONCURRENT)
@Order(7)
class ConfigCliTest {
  @TempDir
  Path dir;

  private MiniStack stack;
  private String address;

  @BeforeEach
  void start() throws Exception {
    int port = FreePorts.next();
    address = "localhost:" + port;
    stack = new MiniStack(dir, MiniStack.Mode.PROCESSES);
    stack.start(ServiceJvm.launch(Service.CONFIG_SERVER, "config-server", port,
        List.of("--port", "" + port, "--data-dir", dir.resolve("data").toString())));
  }

  @AfterEach
  void stop() throws Exception {
    stack.close();
  }

  private Cli.Result tandem(String... args) throws Exception {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--config-server";
    all[args.length + 1] = address;
    // The operator's certificate of the stack, found as an operator's shell finds it.
    return Cli.run(dir, Map.of(TlsFlags.DIRECTORY_VARIABLE, stack.pkiDirectory().toString()), all);
  }

  @Test
  void applyListGetSetOptionWatchAndExpire() throws Exception {
    Path file = dir.resolve("center.yaml");
    Files.writeString(file, """
        applications:
          - {name: StatServer_A, type: STAT_SERVER, host: localhost, port: 2040, backup: StatServer_B}
          - {name: StatServer_B, type: STAT_SERVER, host: localhost, port: 2041}
        agents:
          - {name: agent01}
          - {name: agent02}
        agent-groups:
          - {name: Sales, members: [agent01, agent02]}
        """);
    Cli.Result apply = tandem("config", "apply", file.toString());
    assertThat(apply.exitCode()).as(apply.output()).isZero();
    assertThat(apply.output()).contains("5 created, 0 updated, 0 unchanged; head event 5");

    Cli.Result list = tandem("config", "list", "AgentGroup");
    assertThat(list.output()).contains("Sales").contains("2 member(s)");

    Cli.Result set = tandem("config", "set-option", "StatServer_A", "statserver", "config-reload-delay-if-primary", "true");
    assertThat(set.exitCode()).as(set.output()).isZero();
    Cli.Result get = tandem("config", "get", "Application", "StatServer_A");
    assertThat(get.output()).contains("config-reload-delay-if-primary: 'true'").contains("version 2");

    // Waits for the progress line that follows the replay, not for a wall-clock budget (at most 5 minutes).
    Cli.Result replay = tandem("config", "watch", "--after", "3", "--until-progress", "--seconds", "300");
    assertThat(replay.exitCode()).isZero();
    assertThat(replay.output()).contains("event 4 CREATED", "event 6 UPDATED Application StatServer_A", "progress: head 6");

    Cli.Result expire = tandem("config", "expire-history");
    assertThat(expire.output()).contains("history log emptied at event 7");
    Cli.Result expired = tandem("config", "watch", "--after", "3", "--until-progress", "--seconds", "300");
    assertThat(expired.exitCode()).isEqualTo(3);
    assertThat(expired.output()).contains("HistoryLogExpired: after 3 cannot be restored");

    Cli.Result history = tandem("config", "history");
    assertThat(history.output()).contains("head event             7", "records                0");
  }

  @Test
  void setOptionWarnsAboutAKeyTandemDoesNotKnowAndSetsItAnyway() throws Exception {
    Path file = dir.resolve("app.yaml");
    Files.writeString(file, "applications:\n  - {name: StatServer_A, type: STAT_SERVER, port: 2040}\n");
    assertThat(tandem("config", "apply", file.toString()).exitCode()).isZero();
    Cli.Result typo = tandem("config", "set-option", "StatServer_A", "statserver", "config-reload-delay-if-primay", "true");
    assertThat(typo.exitCode()).as(typo.output()).isZero();
    assertThat(typo.output()).contains("warning: statserver/config-reload-delay-if-primay is not an option Tandem knows"
        + " (did you mean config-reload-delay-if-primary?)");
    assertThat(tandem("config", "get", "Application", "StatServer_A").output()).contains("config-reload-delay-if-primay");

    Cli.Result known = tandem("config", "set-option", "StatServer_A", "statserver", "backup-check-interval", "200");
    assertThat(known.output()).doesNotContain("warning");
    Cli.Result otherSection = tandem("config", "set-option", "StatServer_A", "my-router", "whatever", "1");
    assertThat(otherSection.output()).as("sections Tandem does not read are the application's own").doesNotContain("warning");
  }

  @Test
  void setOptionOfAnUnknownKeyWithAValueTooLongGivesTheRefusalAlone() throws Exception {
    Path file = dir.resolve("app.yaml");
    Files.writeString(file, "applications:\n  - {name: StatServer_A, type: STAT_SERVER, port: 2040}\n");
    assertThat(tandem("config", "apply", file.toString()).exitCode()).isZero();
    Cli.Result tooLong = tandem("config", "set-option", "StatServer_A", "statserver", "config-reload-delay-if-primay",
        "x".repeat(65_537));
    assertThat(tooLong.exitCode()).as(tooLong.output()).isEqualTo(1);
    assertThat(tooLong.output()).contains("INVALID_ARGUMENT", "option statserver/config-reload-delay-if-primay is 65537"
        + " bytes long, more than the maximum of 65536 bytes").doesNotContain("warning");
    assertThat(tandem("config", "history").output()).as("nothing written").contains("head event             1");
  }

  @Test
  void badInputGetsAClearErrorAndChangesNothing() throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "agent-groups:\n  - {name: G, members: [ghost]}\n");
    Cli.Result apply = tandem("config", "apply", file.toString());
    assertThat(apply.exitCode()).isEqualTo(1);
    assertThat(apply.output()).contains("INVALID_ARGUMENT: objects[0].agent_group.members[0]: no Agent named 'ghost'");

    Cli.Result missing = tandem("config", "get", "Agent", "nobody");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.output()).contains("NOT_FOUND: no Agent 'nobody'");

    Cli.Result badType = tandem("config", "list", "Robot");
    assertThat(badType.exitCode()).isEqualTo(2);
    assertThat(badType.output()).contains("unknown object type 'Robot'");

    assertThat(tandem("config", "history").output()).contains("head event             0");
  }

  @Test
  void applyingAFileWithoutObjectsFailsAndSaysSo() throws Exception {
    for (String content : List.of("", "# nothing yet\n", "agents: []\n")) {
      Path file = dir.resolve("empty.yaml");
      Files.writeString(file, content);
      Cli.Result apply = tandem("config", "apply", file.toString());
      assertThat(apply.exitCode()).as("'%s': %s", content, apply.output()).isEqualTo(1);
      assertThat(apply.output()).as("'%s'", content).contains(file + ": no objects to apply")
          .doesNotContain("head event");
    }
    assertThat(tandem("config", "history").output()).contains("head event             0");
  }

  @Test
  void theSnapshotBenchmarkEndsWithItsSummaryLine() throws Exception {
    Cli.Result bench = Cli.run(dir, "bench", "snapshot", "--agents", "3000", "--runs", "3", "--warmup", "1");
    assertThat(bench.exitCode()).as(bench.output()).isZero();
    List<String> lines = bench.output().lines().toList();
    assertThat(lines.get(lines.size() - 1)).matches("snapshot: objects=3000 median_ms=\\d+");
  }
}
