package io.tandem.common.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.AbstractModule;
import io.tandem.common.bootstrap.HealthState;
import io.tandem.common.bootstrap.RunningService;
import io.tandem.common.bootstrap.ServiceRunner;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The check a container's health check runs: exit 0 only when the server says SERVING. */
class HealthCheckCommandTest {
  private final StringWriter errors = new StringWriter();

  private int run(String... args) {
    return new CommandLine(new HealthCheckCommand()).setErr(new PrintWriter(errors)).execute(args);
  }

  @Test
  void exitsZeroOnlyWhileTheServerIsServing() throws Exception {
    try (RunningService service = ServiceRunner.start("test", 0, new AbstractModule() {})) {
      String address = "localhost:" + service.port();
      assertThat(run(address)).as("starting: NOT_SERVING").isEqualTo(1);
      service.get(HealthState.class).set(true, "ready");
      assertThat(run(address)).isZero();
      service.get(HealthState.class).set(false, "reloading");
      assertThat(run(address)).isEqualTo(1);
    }
  }

  @Test
  void anUnreachableServerIsUnhealthy() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    assertThat(run("localhost:" + closedPort, "--timeout-ms", "500")).isEqualTo(1);
  }

  @Test
  void aMalformedAddressIsAUsageError() {
    assertThat(run("localhost")).isEqualTo(2);
    assertThat(errors.toString()).contains("HOST:PORT");
  }
}
