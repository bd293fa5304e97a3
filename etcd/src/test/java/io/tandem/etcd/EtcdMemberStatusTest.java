package io.tandem.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.protocol.link.HostPort;
import java.util.List;
import org.junit.jupiter.api.Test;

class EtcdMemberStatusTest {
  private static EtcdMemberStatus member(int port, boolean leader, long clusterId) {
    return new EtcdMemberStatus(new HostPort("127.0.0.1", port), leader, clusterId, 10, 2, 4096, "3.5.0", "");
  }

  private static EtcdMemberStatus silent(int port) {
    return new EtcdMemberStatus(new HostPort("127.0.0.1", port), false, 0, 0, 0, 0, "", "UNAVAILABLE: refused");
  }

  @Test
  void threeMembersOfOneClusterWithALeaderServe() {
    assertThat(EtcdMemberStatus.problem(List.of(member(2379, false, 7), member(2479, true, 7), member(2579, false, 7))))
        .isEmpty();
  }

  @Test
  void aMemberThatDoesNotAnswerIsNamedEvenWhenTheOthersHaveAQuorum() {
    assertThat(EtcdMemberStatus.problem(List.of(silent(2379), member(2479, true, 7), member(2579, false, 7))))
        .hasValueSatisfying(problem -> assertThat(problem).contains("127.0.0.1:2379", "refused"));
  }

  @Test
  void aMemberOfAnotherClusterOnOneOfThePortsIsNamed() {
    assertThat(EtcdMemberStatus.problem(List.of(member(2379, true, 99), member(2479, true, 7), member(2579, false, 7))))
        .hasValueSatisfying(problem -> assertThat(problem).contains("different etcd clusters", "127.0.0.1:2379 in 63"));
  }

  @Test
  void membersWithoutALeaderDoNotServe() {
    assertThat(EtcdMemberStatus.problem(List.of(member(2379, false, 7), member(2479, false, 7))))
        .hasValue("no member leads");
  }
}
