package io.tandem.protocol.reload;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.config.v1.Application;
import io.tandem.config.v1.OptionSection;
import io.tandem.protocol.link.HostPort;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PairViewTest {
  /**
   * A peer stored with a blank host (before the Config Server checked hosts) made every read
   * throw: the member never learnt its pair or its options, and ran as standalone.
   */
  @Test
  void aPeerWithABlankHostIsReadAsOnThisHostAndTheOptionsStillApply() {
    Application a = Application.newBuilder().setBackup("B").setClientPort(2040)
        .putOptions("statserver", OptionSection.newBuilder().putValues("config-reload-delay-if-primary", "true").build())
        .build();
    Application b = Application.newBuilder().setHost(" ").setClientPort(2041).build();
    PairView.Peer peer = new PairView("A").read(Map.of("A", a, "B", b));
    assertThat(peer.peerAddress()).isEqualTo(new HostPort("localhost", 2041));
    assertThat(peer.options().peer()).isEqualTo("B");
    assertThat(peer.options().delayIfPrimary()).isTrue();
  }
}
