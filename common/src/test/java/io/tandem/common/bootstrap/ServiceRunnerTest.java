package io.tandem.common.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.Multibinder;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.tandem.common.grpc.Channels;
import io.tandem.common.grpc.HealthProbe;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TransportSecurity;
import io.tandem.common.testing.TestPki;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceRunnerTest {
  @TempDir
  static Path certificates;
  static TestPki pki;

  @BeforeAll
  static void certificates() {
    pki = TestPki.create(certificates, List.of("test"), List.of("operator"));
  }

  /** A part that checks the gRPC server is not yet listening when it starts. */
  static final class Recorder implements ManagedService {
    private final HealthState health;

    @Inject
    Recorder(HealthState health) {
      this.health = health;
    }

    @Override
    public void start() {
      assertThat(health.serving()).isFalse();
    }

    @Override
    public void stop() {}
  }

  /** Never bound by any module. */
  static final class Helper {
    @Inject
    Helper() {}
  }

  static final class NeedsHelper implements ManagedService {
    @Inject
    @SuppressWarnings("UnusedVariable") // what Guice must build for this service is the point, not its use
    NeedsHelper(Helper helper) {}

    @Override
    public void start() {}

    @Override
    public void stop() {}
  }

  @Test
  void healthStartsNotServingAndFollowsTheService() throws Exception {
    try (RunningService service = ServiceRunner.start("test", 0, pki.server("test"), new AbstractModule() {
      @Override
      protected void configure() {
        bind(Recorder.class);
        Multibinder.newSetBinder(binder(), ManagedService.class).addBinding().to(Recorder.class);
      }
    })) {
      TransportSecurity operator = pki.security("operator");
      ManagedChannel channel = Channels.open(HostPort.local(service.port()), ServerIdentity.of("test"), operator);
      try {
        assertThat(HealthProbe.check(channel, "", Duration.ofSeconds(2)).status()).isEqualTo(ServingStatus.NOT_SERVING);
        service.get(HealthState.class).set(true, "ready");
        assertThat(HealthProbe.check(channel, "", Duration.ofSeconds(2)).serving()).isTrue();
      } finally {
        Channels.close(channel, Duration.ofSeconds(1));
        operator.close();
      }
    }
  }

  @Test
  void unboundClassesAreRefusedBecauseBindingsMustBeExplicit() {
    assertThatThrownBy(() -> ServiceRunner.start("test", 0, pki.server("test"), new AbstractModule() {
      @Override
      protected void configure() {
        bind(NeedsHelper.class);
        Multibinder.newSetBinder(binder(), ManagedService.class).addBinding().to(NeedsHelper.class);
      }
    })).hasMessageContaining("Explicit bindings are required").hasMessageContaining("Helper");
  }
}
