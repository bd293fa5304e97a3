package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.testing.Promtool;
import io.tandem.testing.RunnableJars;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The alert rules Tandem ships (ops/prometheus) as Prometheus reads them: {@code promtool check
 * rules} accepts the file, and {@code promtool test rules} runs one unit test per alert, each
 * showing it silent before its condition holds long enough and firing after.
 */
class AlertRulesTest {
  private static final Path RULES = RunnableJars.home().resolve("ops/prometheus");

  private static String promtool(String... args) throws Exception {
    Path promtool = Promtool.require();
    String[] command = new String[args.length + 1];
    command[0] = promtool.toString();
    System.arraycopy(args, 0, command, 1, args.length);
    Process process = new ProcessBuilder(command).directory(RULES.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("promtool ended").isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output;
  }

  @Test
  void theRulesFileIsValid() throws Exception {
    assertThat(promtool("check", "rules", "tandem-rules.yml")).contains("SUCCESS: 6 rules found");
  }

  @Test
  void everyAlertFiresWhenItMustAndNotBefore() throws Exception {
    assertThat(promtool("test", "rules", "tandem-rules.test.yml")).contains("SUCCESS");
  }
}
