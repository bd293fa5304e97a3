package io.tandem.common.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TransportSecurity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceProcessTest {
  @TempDir
  Path dir;

  @Test
  void aProcessThatExitsAtStartIsReportedWithTheLineThatSaysWhy() throws Exception {
    Path missing = dir.resolve("missing.jar");
    Path log = dir.resolve("broken.log");
    // The log is appended to: what an earlier run said is not this run's reason.
    Files.writeString(log, """
        2026-12-06T03:50:01.120Z ERROR [main] Lifecycle - 00-05002 an earlier run's failure
        Caused by: java.io.IOException: an earlier run's cause
        """);
    ServiceProcess process = new ServiceProcess("broken", missing, FreePorts.next(), List.of(), List.of(), log,
        ServerIdentity.of("broken"), TransportSecurity.plaintext()).start();
    try {
      assertThatThrownBy(() -> process.awaitServing(Duration.ofMinutes(2)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("broken exited with code 1:\n  Error: Unable to access jarfile " + missing + "\n")
          .hasMessageNotContaining("earlier run");
    } finally {
      process.close();
    }
  }

  @Test
  void aLogReadWhileALineIsBeingWrittenStillGivesItsWholeLines() throws Exception {
    Path log = dir.resolve("writing.log");
    byte[] whole = "2026-12-06T03:50:01.120Z INFO  [main] Lifecycle - 00-05001 started\n".getBytes(StandardCharsets.UTF_8);
    // The next line's first two bytes of an em dash (E2 80 94): the reader came mid-write.
    byte[] partial = {'r', 'e', 'l', 'o', 'a', 'd', ' ', (byte) 0xE2, (byte) 0x80};
    Files.write(log, whole);
    Files.write(log, partial, StandardOpenOption.APPEND);
    ServiceProcess process = new ServiceProcess("writing", dir.resolve("unused.jar"), FreePorts.next(), List.of(),
        List.of(), log, ServerIdentity.of("writing"), TransportSecurity.plaintext());

    assertThat(process.logLines("00-05001")).singleElement().asString().endsWith("started");
    assertThat(process.logTail(1)).singleElement().asString().startsWith("reload ");
  }

  /** As a Management Layer's log ends when its injector cannot be made: frames, then more frames. */
  @Test
  void theLinesThatSayWhyAreTheFirstErrorWhatWasThrownAndTheRootCause() {
    List<String> log = List.of(
        "2026-12-06T03:50:01.120Z INFO  [main] io.tandem.common.bootstrap.ServiceRunner - 00-05001 starting",
        "com.google.inject.CreationException: Unable to create injector, see the following errors:",
        "",
        "1) [Guice/ErrorInCustomProvider]: StatusRuntimeException: DEADLINE_EXCEEDED: deadline exceeded after 4.9s",
        "  at ManagementLayerModule.epochLedger(ManagementLayerModule.java:74)",
        "Caused by: io.grpc.StatusRuntimeException: DEADLINE_EXCEEDED: deadline exceeded after 4.9s",
        "\tat io.grpc.stub.ClientCalls.toStatusRuntimeException(ClientCalls.java:368)",
        "\tat com.google.inject.internal.ProviderMethod.doProvision(ProviderMethod.java:171)");

    assertThat(ServiceProcess.failureLines(log)).containsExactly(
        "1) [Guice/ErrorInCustomProvider]: StatusRuntimeException: DEADLINE_EXCEEDED: deadline exceeded after 4.9s",
        "Caused by: io.grpc.StatusRuntimeException: DEADLINE_EXCEEDED: deadline exceeded after 4.9s");
    assertThat(ServiceProcess.failureLines(List.of(
        "2026-12-06T03:50:01.120Z ERROR [main] Lifecycle - 00-05002 could not start: --data-dir is locked",
        "java.lang.IllegalStateException: --data-dir is locked")))
        .containsExactly("2026-12-06T03:50:01.120Z ERROR [main] Lifecycle - 00-05002 could not start: --data-dir is locked",
            "java.lang.IllegalStateException: --data-dir is locked");
    assertThat(ServiceProcess.failureLines(List.of("Missing required option: '--port=<port>'",
        "Usage: management-layer [-hV] [--insecure] --port=<port>", "      --port=<port>   Port to listen on")))
        .as("picocli's message, before the usage").containsExactly("Missing required option: '--port=<port>'");
    assertThat(ServiceProcess.failureLines(List.of("\tat Foo.bar(Foo.java:1)"))).as("nothing says why").isEmpty();
  }
}
