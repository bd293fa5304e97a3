package io.tandem.common.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.common.process.FreePorts.PortRange;
import java.net.ServerSocket;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FreePortsTest {
  @Test
  void portsAreHandedOutOnceOutsideTheOutgoingConnectionRangeAndCanBeBound() throws Exception {
    List<Integer> ports = IntStream.range(0, 500).mapToObj(i -> FreePorts.next()).toList();

    assertThat(ports).doesNotHaveDuplicates();
    assertThat(ports).allSatisfy(port -> assertThat(port).isBetween(FreePorts.RANGE.lowest(), FreePorts.RANGE.highest()));
    try (ServerSocket socket = new ServerSocket(ports.get(ports.size() - 1))) {
      assertThat(socket.getLocalPort()).isEqualTo(ports.get(ports.size() - 1));
    }
  }

  @Test
  void theRangeLiesBelowTheOutgoingRangeOrAboveItWhenBelowIsTooSmall() {
    assertThat(FreePorts.range(new PortRange(32_768, 60_999))).isEqualTo(new PortRange(10_000, 32_767));
    assertThat(FreePorts.range(new PortRange(20_000, 60_999))).isEqualTo(new PortRange(10_000, 19_999));
    assertThat(FreePorts.range(new PortRange(1_024, 60_999))).isEqualTo(new PortRange(61_000, 65_535));
    assertThatThrownBy(() -> FreePorts.range(new PortRange(1_024, 65_000)))
        .hasMessageContaining("1024-65000").hasMessageContaining("ip_local_port_range");
  }
}
