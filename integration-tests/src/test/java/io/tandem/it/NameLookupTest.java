package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.common.grpc.Channels;
import io.tandem.common.grpc.HealthProbe;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.process.FreePorts;
import io.tandem.common.security.AccessRule;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TransportSecurity;
import io.tandem.testing.Launch;
import io.tandem.testing.MetricsScrape;
import io.tandem.testing.MiniStack;
import io.tandem.testing.Service;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service on a host whose name resolver does not answer: nothing on the way of a TLS handshake
 * or an access decision asks it, so a scrape of the metrics port and a call on the gRPC port
 * take no longer than anywhere else.
 */
class NameLookupTest {
  /** What an unanswered lookup costs here; a DNS server that does not answer costs 5 s a try. */
  private static final Duration UNANSWERED = Duration.ofSeconds(3);

  @TempDir
  Path dir;

  @Test
  void aScrapeAndACallAskTheNameResolverNothingWhenItDoesNotAnswer() throws Exception {
    int port = FreePorts.next();
    int metricsPort = FreePorts.next();
    try (HostsPipe resolver = new HostsPipe(dir.resolve("hosts"));
         MiniStack stack = new MiniStack(dir, MiniStack.Mode.PROCESSES)) {
      List<String> jvm = new ArrayList<>(ServiceJvm.options(Service.CONFIG_SERVER));
      jvm.add(resolver.jvmFlag());
      stack.start(new Launch(Service.CONFIG_SERVER, "config-server", port, List.of("--port", "" + port,
          "--data-dir", dir.resolve("config-data").toString(), "--no-fsync", "--metrics-port", "" + metricsPort), jvm));
      TransportSecurity monitor = stack.security(AccessRule.MONITOR);
      TransportSecurity client = stack.security(AccessRule.CLIENT);

      resolver.delay(UNANSWERED);
      int before = resolver.lookups();
      long start = System.nanoTime();
      String failure = "";
      try {
        MetricsScrape.text(monitor, metricsPort);
      } catch (IOException e) {
        failure = ", and failed: " + e;
      }
      Duration scrape = Duration.ofNanos(System.nanoTime() - start);
      int duringScrape = resolver.lookups() - before;

      var channel = Channels.open(HostPort.local(port), ServerIdentity.of(ServerIdentity.CONFIG_SERVER), client);
      try {
        start = System.nanoTime();
        HealthProbe.Result health = HealthProbe.check(channel, "", Duration.ofSeconds(30));
        Duration call = Duration.ofNanos(System.nanoTime() - start);
        assertThat(health.serving()).as(health.describe()).isTrue();
        System.out.printf("name lookups: scrape %d (%d ms), gRPC call on a new connection %d (%d ms)%n", duringScrape,
            scrape.toMillis(), resolver.lookups() - before - duringScrape, call.toMillis());
        assertThat(duringScrape).as("name lookups during a metrics scrape (it took %d ms%s)", scrape.toMillis(), failure)
            .isZero();
        assertThat(failure).isEmpty();
        assertThat(resolver.lookups() - before).as("name lookups during a gRPC call on a new connection (it took %d ms)",
            call.toMillis()).isZero();
        assertThat(scrape).isLessThan(UNANSWERED);
      } finally {
        Channels.close(channel, Duration.ofSeconds(1));
      }
    }
  }
}
