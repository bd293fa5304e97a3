package io.tandem.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.tandem.protocol.link.HostPort;
import java.net.URI;
import org.junit.jupiter.api.Test;

class EtcdEndpointsTest {
  @Test
  void aListOfMembersIsReadInOrderAndMadeATargetForOneChannel() {
    EtcdEndpoints endpoints = EtcdEndpoints.parse("--etcd-endpoints", "h1:2379, h2:2479,[::1]:2579");
    assertThat(endpoints.members()).containsExactly(new HostPort("h1", 2379), new HostPort("h2", 2479),
        new HostPort("::1", 2579));
    assertThat(endpoints.target()).isEqualTo("tandem-etcd:///h1:2379,h2:2479,%5B::1%5D:2579");
    assertThat(URI.create(endpoints.target()).getPath()).isEqualTo("/h1:2379,h2:2479,[::1]:2579");
    assertThat(endpoints).hasToString("h1:2379,h2:2479,[::1]:2579");
  }

  @Test
  void aChannelIsBuiltOverAListWithAnIpv6Member() {
    ManagedChannel channel = EtcdChannels.open(EtcdEndpoints.parse("--etcd-endpoints", "127.0.0.1:2379,[::1]:2479"),
        InsecureChannelCredentials.create());
    assertThat(channel.authority()).isEqualTo("127.0.0.1:2379");
    channel.shutdownNow();
  }

  @Test
  void aBadListIsRefusedNamingTheOptionAndTheEntry() {
    assertThatThrownBy(() -> EtcdEndpoints.parse("--etcd-endpoints", "h1:2379,,h2:2479"))
        .hasMessageContaining("--etcd-endpoints").hasMessageContaining("empty entry");
    assertThatThrownBy(() -> EtcdEndpoints.parse("--etcd-endpoints", "h1:2379,h2"))
        .hasMessageContaining("--etcd-endpoints").hasMessageContaining("'h2'");
    assertThatThrownBy(() -> EtcdEndpoints.parse("--etcd-endpoints", "h1:2379,h1:2379"))
        .hasMessageContaining("--etcd-endpoints").hasMessageContaining("h1:2379 is given twice");
  }
}
