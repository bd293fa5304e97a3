package io.tandem.common.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.Multibinder;
import io.tandem.common.testing.TestPki;
import io.tandem.protocol.health.Availability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The status file a container's health check reads: its verdict, and a running service keeping it. */
class StatusFileTest {
  private static final Instant NOW = Instant.parse("2026-12-02T08:00:00Z");

  @TempDir
  Path dir;

  private static SortedMap<String, Optional<Instant>> links(Object... nameAndDownSince) {
    SortedMap<String, Optional<Instant>> links = new TreeMap<>();
    for (int i = 0; i < nameAndDownSince.length; i += 2) {
      links.put((String) nameAndDownSince[i], Optional.ofNullable((Instant) nameAndDownSince[i + 1]));
    }
    return links;
  }

  @Test
  void healthyOnceItServedWhileNoLinkIsDownForTheGrace() {
    assertThat(StatusFile.render(false, false, "starting", links(), NOW)).startsWith("healthy=no\n");
    assertThat(StatusFile.render(true, false, "reloading configuration", links("config-server", null), NOW))
        .as("not serving for a while (a reload) is no illness").isEqualTo("""
            healthy=yes
            serving=no
            reason=reloading configuration
            link.config-server=up
            written=2026-12-02T08:00:00Z
            """);
    assertThat(StatusFile.render(true, true, "accepting clients as PRIMARY",
        links("config-server", NOW.minusSeconds(29), "management-layer", null), NOW))
        .as("a Config Server restarting").startsWith("healthy=yes\n").contains("link.config-server=down 29 s\n");
    assertThat(StatusFile.render(true, true, "accepting clients as PRIMARY",
        links("config-server", NOW.minus(StatusFile.LINK_GRACE), "management-layer", null), NOW))
        .as("cut off").startsWith("healthy=no\n").contains("link.config-server=down 30 s\n",
            "link.management-layer=up\n");
  }

  @Test
  void aServiceStandingByAsConfiguredIsHealthyThoughItNeverServed() throws Exception {
    Path file = dir.resolve("tandem.status");
    HealthState health = new HealthState();
    StatusFile status = new StatusFile(file, health, Set.of(), Clock.systemUTC());
    status.start();
    try {
      assertThat(Files.readString(file)).startsWith("healthy=no\nserving=no\nreason=starting\n");
      health.set(Availability.STANDING_BY, "backup mode; accept-clients-in-backup-mode = no");
      await("rewritten").atMost(Duration.ofSeconds(30)).until(() -> Files.readString(file).contains("reason=backup"));
      assertThat(Files.readString(file)).startsWith("healthy=yes\nserving=no\n");
      assertThat(health.serving()).as("its health check still says NOT_SERVING").isFalse();
    } finally {
      status.stop();
    }
  }

  @Test
  void aRunningServiceKeepsItsFileAndRemovesItWhenItStops() throws Exception {
    Path file = dir.resolve("tandem.status");
    Link cutOff = new Link() {
      @Override
      public String name() {
        return "config-server";
      }

      @Override
      public Optional<Instant> downSince() {
        return Optional.of(Instant.now().minus(Duration.ofMinutes(5)));
      }
    };
    try (RunningService service = ServiceRunner.start("test", 0, new Observability(0, file),
        TestPki.shared().server("test"), new AbstractModule() {
          @Override
          protected void configure() {
            Multibinder.newSetBinder(binder(), Link.class).addBinding().toInstance(cutOff);
          }
        })) {
      await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(file));
      assertThat(Files.readString(file)).startsWith("healthy=no\nserving=no\n");
      service.get(HealthState.class).set(true, "ready");
      await("rewritten").atMost(Duration.ofSeconds(30)).until(() -> Files.readString(file).contains("serving=yes"));
      assertThat(Files.readString(file)).as("served, but cut off for 5 minutes").startsWith("healthy=no\n")
          .contains("link.config-server=down 300 s");
    }
    assertThat(file).doesNotExist();
  }
}
