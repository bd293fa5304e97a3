package io.tandem.protocol.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HostPortTest {
  @Test
  void parsesHostAndPort() {
    assertThat(HostPort.parse("localhost:2020")).isEqualTo(new HostPort("localhost", 2020));
    assertThat(HostPort.parse("[::1]:2040")).isEqualTo(new HostPort("::1", 2040));
    assertThat(HostPort.parse("[::1]:2040").toString()).isEqualTo("[::1]:2040");
  }

  @Test
  void badAddressesAreNamed() {
    assertThatThrownBy(() -> HostPort.parse("localhost")).hasMessage("'localhost' is not HOST:PORT");
    assertThatThrownBy(() -> HostPort.parse("localhost:http")).hasMessage("'localhost:http': port is not a number");
    assertThatThrownBy(() -> HostPort.parse("localhost:70000")).hasMessage("'localhost:70000': port 70000 is not in 1..65535");
    assertThatThrownBy(() -> HostPort.parse(":2020")).hasMessage("':2020' is not HOST:PORT");
  }
}
