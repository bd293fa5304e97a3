package io.tandem.common.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.AbstractModule;
import io.tandem.common.bootstrap.HealthState;
import io.tandem.common.bootstrap.RunningService;
import io.tandem.common.bootstrap.ServiceRunner;
import io.tandem.common.process.FreePorts;
import io.tandem.common.testing.TestPki;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The check a container's health check runs: exit 0 only when the server says SERVING. */
class HealthCheckCommandTest {
  @TempDir
  static Path certificates;
  static TestPki pki;
  private final StringWriter errors = new StringWriter();

  @BeforeAll
  static void certificates() {
    pki = TestPki.create(certificates, List.of("test"), List.of("operator"));
  }

  /** The check as the operator's command line runs it. */
  private int run(String... args) {
    List<String> all = new ArrayList<>(pki.flags("operator"));
    all.addAll(List.of(args));
    return runWithoutCertificates(all.toArray(String[]::new));
  }

  private int runWithoutCertificates(String... args) {
    return new CommandLine(new HealthCheckCommand()).setErr(new PrintWriter(errors)).execute(args);
  }

  @Test
  void exitsZeroOnlyWhileTheServerIsServing() throws Exception {
    try (RunningService service = ServiceRunner.start("test", 0, pki.server("test"), new AbstractModule() {})) {
      String address = "localhost:" + service.port();
      assertThat(run(address)).as("starting: NOT_SERVING").isEqualTo(1);
      service.get(HealthState.class).set(true, "ready");
      assertThat(run(address)).isZero();
      service.get(HealthState.class).set(false, "reloading");
      assertThat(run(address)).isEqualTo(1);
    }
  }

  @Test
  void plaintextIsNotAnsweredByAServerWithTls() throws Exception {
    try (RunningService service = ServiceRunner.start("test", 0, pki.server("test"), new AbstractModule() {})) {
      service.get(HealthState.class).set(true, "ready");
      assertThat(run("localhost:" + service.port())).isZero();
      assertThat(runWithoutCertificates("--insecure", "localhost:" + service.port())).isEqualTo(1);
    }
  }

  @Test
  void certificatesThatAreNotThereAreAUsageErrorNamingTheFile() {
    assertThat(runWithoutCertificates("--tls-ca", "nowhere/ca.crt", "--tls-cert", "nowhere/x.crt", "--tls-key",
        "nowhere/x.key", "localhost:1")).isEqualTo(2);
    assertThat(errors.toString()).contains("--tls-ca nowhere/ca.crt: no such readable file");
  }

  @Test
  void anUnreachableServerIsUnhealthy() throws Exception {
    assertThat(run("localhost:" + FreePorts.next(), "--timeout-ms", "500")).isEqualTo(1);
  }

  @Test
  void aMalformedAddressIsAUsageError() {
    assertThat(run("localhost")).isEqualTo(2);
    assertThat(errors.toString()).contains("HOST:PORT");
  }
}
