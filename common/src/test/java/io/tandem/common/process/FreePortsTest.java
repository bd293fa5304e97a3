package io.tandem.common.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FreePortsTest {
  @Test
  void portsAreHandedOutOnceBelowTheOutgoingConnectionRangesAndCanBeBound() throws Exception {
    List<Integer> ports = IntStream.range(0, 500).mapToObj(i -> FreePorts.next()).toList();

    assertThat(ports).doesNotHaveDuplicates();
    assertThat(ports).allSatisfy(port -> assertThat(port).isBetween(10_000, 32_767));
    try (ServerSocket socket = new ServerSocket(ports.get(ports.size() - 1))) {
      assertThat(socket.getLocalPort()).isEqualTo(ports.get(ports.size() - 1));
    }
  }
}
