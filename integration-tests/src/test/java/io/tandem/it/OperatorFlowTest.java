package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator does with {@code bin/tandem}: bring the stack up, look at the pair, switch it
 * over, then make the Config Server lose its history and watch the pair reload without going
 * dark, in protected mode as the sample configures it.
 */
@Order(6)
class OperatorFlowTest {
  private static final Pattern PRIMARY = Pattern.compile("(StatServer_[AB])\\s+PRIMARY\\s+yes");

  @TempDir
  Path workDir;

  private String configAddress;
  private String managementAddress;

  @BeforeEach
  void up() throws Exception {
    Cli.Stack stack = Cli.up(workDir);
    configAddress = stack.configAddress();
    managementAddress = stack.managementAddress();
  }

  @AfterEach
  void down() throws Exception {
    Cli.run(workDir, "down");
  }

  private Cli.Result tandem(String... args) throws Exception {
    return Cli.run(workDir, args);
  }

  private String primary() throws Exception {
    Matcher m = PRIMARY.matcher(tandem("status", "--management", managementAddress).output());
    return m.find() ? m.group(1) : "";
  }

  private List<String> log(String member, String eventId) throws Exception {
    return Files.readAllLines(workDir.resolve(".tandem").resolve(member + ".log")).stream()
        .filter(line -> line.contains(" " + eventId + " ")).toList();
  }

  @Test
  void statusSwitchoverAndAProtectedReloadByHand() throws Exception {
    await().atMost(Duration.ofSeconds(30)).until(() -> !primary().isEmpty());
    Cli.Result status = tandem("status", "--management", managementAddress);
    assertThat(status.output()).contains("PAIR StatServer_A / StatServer_B").containsPattern("StatServer_[AB]\\s+BACKUP")
        .contains("STAT SERVERS (their own view)").contains("SERVING");

    String before = primary();
    Cli.Result switchover = tandem("switchover", "StatServer_A", "--management", managementAddress);
    assertThat(switchover.exitCode()).as(switchover.output()).isZero();
    assertThat(switchover.output()).containsPattern("DONE in \\d+ ms: StatServer_[AB] is primary");
    String afterSwitchover = primary();
    assertThat(afterSwitchover).isNotEqualTo(before);
    assertThat(tandem("status", "--management", managementAddress).output())
        .contains("MANUAL DONE", "(" + before + " -> " + afterSwitchover + ")");

    // No option set: the sample `tandem up` loads runs the pair with protected mode on.
    assertThat(tandem("config", "expire-history", "--config-server", configAddress).exitCode()).isZero();
    assertThat(tandem("config", "drop-sessions", "--config-server", configAddress).exitCode()).isZero();

    String protectedPrimary = afterSwitchover;
    String backup = protectedPrimary.equals("StatServer_A") ? "StatServer_B" : "StatServer_A";
    await().atMost(Duration.ofSeconds(60)).until(() -> !log(protectedPrimary, "02-10085").isEmpty());
    assertThat(log(protectedPrimary, "02-10086")).as("the primary's protected mode started").hasSize(1);
    assertThat(log(protectedPrimary, "02-10087")).hasSize(1);
    assertThat(log(protectedPrimary, "02-10084")).hasSize(1);
    assertThat(log(backup, "02-10084")).hasSize(1);
    assertThat(log(backup, "02-10085")).hasSize(1);
    await().atMost(Duration.ofSeconds(30)).until(() -> primary().equals(backup));
    assertThat(tandem("status", "--management", managementAddress).output())
        .contains("SERVICE_UNAVAILABLE_REPORTED DONE", "(" + protectedPrimary + " -> " + backup + ")");
  }

  private static final Pattern EVENT_LINE =
      Pattern.compile("^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) (\\S+)\\s+\\S+ (\\d\\d-\\d{5}) ");

  /** One line of {@code tandem events}: when, which service, which event. */
  private record Printed(String time, String source, String id) {}

  @Test
  void eventsFollowPrintsAProtectedReloadFromEveryServiceInTimeOrder() throws Exception {
    await().atMost(Duration.ofSeconds(30)).until(() -> !primary().isEmpty());
    String primary = primary();
    String backup = primary.equals("StatServer_A") ? "StatServer_B" : "StatServer_A";
    Path output = workDir.resolve("events.out");
    Process follow = Cli.start(workDir, output, "events", "--follow", "--management", managementAddress,
        "--config-server", configAddress);
    try {
      await("following").atMost(Duration.ofSeconds(60)).until(() -> printed(output).size() > 3);
      assertThat(tandem("config", "expire-history", "--config-server", configAddress).exitCode()).isZero();
      await("the protected reload followed to its end").atMost(Duration.ofSeconds(90))
          .until(() -> printed(output).stream().anyMatch(p -> p.source().equals(primary) && p.id().equals("02-10085")));
    } finally {
      follow.destroy();
      follow.waitFor(30, TimeUnit.SECONDS);
    }
    List<Printed> lines = printed(output);
    assertThat(lines).extracting(Printed::time).as("in time order").isSorted();
    assertThat(lines).extracting(p -> p.source().replaceAll("@.*", "")).as("every service")
        .contains("confserv", "MgmtLayer", "StatServer_A", "StatServer_B");
    // Both members hear the expiry at once: the primary's protected mode and the backup's reload
    // start in either order; the switchover is asked for only once both happened.
    int expired = indexOf(lines, "confserv@" + configAddress, "21-20015", 0);
    int protectedMode = indexOf(lines, primary, "02-10086", expired);
    int backupStarted = indexOf(lines, backup, "02-10084", expired);
    int backupDone = indexOf(lines, backup, "02-10085", backupStarted);
    int switchoverAsked = indexOf(lines, "MgmtLayer@" + managementAddress, "43-30010",
        Math.max(protectedMode, backupDone));
    indexOf(lines, "MgmtLayer@" + managementAddress, "43-30011", switchoverAsked);
    int protectedEnded = indexOf(lines, primary, "02-10087", switchoverAsked);
    indexOf(lines, primary, "02-10085", protectedEnded);
  }

  private static List<Printed> printed(Path output) throws IOException {
    if (!Files.exists(output)) {
      return List.of();
    }
    List<Printed> lines = new ArrayList<>();
    for (String line : Files.readAllLines(output)) {
      Matcher m = EVENT_LINE.matcher(line);
      if (m.find()) {
        lines.add(new Printed(m.group(1), m.group(2), m.group(3)));
      }
    }
    return lines;
  }

  /** Where {@code source} printed {@code id} first after line {@code from}; fails naming it when it did not. */
  private static int indexOf(List<Printed> lines, String source, String id, int from) {
    for (int i = from; i < lines.size(); i++) {
      if (lines.get(i).source().equals(source) && lines.get(i).id().equals(id)) {
        return i;
      }
    }
    throw new AssertionError(source + " " + id + " not printed after line " + from + " of " + lines);
  }
}
