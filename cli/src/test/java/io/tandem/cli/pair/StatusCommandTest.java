package io.tandem.cli.pair;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.stat.v1.ProducerProgress;
import io.tandem.stat.v1.ServerInfo;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.tandem.management.v1.LeaderInfo;
import io.tandem.management.v1.PairsStatus;
import io.tandem.protocol.link.HostPort;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StatusCommandTest {
  private static ServerInfo fed(long through, long events) {
    return ServerInfo.newBuilder().addProducers(ProducerProgress.newBuilder().setProducerId("router-1")
        .setAppliedThrough(through).setEvents(events)).build();
  }

  @Test
  void theFeedLineSaysWhetherBothMembersAppliedTheSameBatches() {
    List<String> names = List.of("StatServer_A", "StatServer_B");
    assertThat(StatusCommand.feedAgreement(names, List.of(fed(120, 60_000), fed(120, 60_000))))
        .isEqualTo("feed: StatServer_A and StatServer_B agree (1 producer(s))\n");
    assertThat(StatusCommand.feedAgreement(names, List.of(fed(120, 60_000), fed(118, 59_000))))
        .isEqualTo("feed: StatServer_A and StatServer_B DIFFER: router-1: StatServer_A through batch 120 (60000 events),"
            + " StatServer_B through batch 118 (59000 events)\n");
    assertThat(StatusCommand.feedAgreement(names, List.of(ServerInfo.getDefaultInstance(), ServerInfo.getDefaultInstance())))
        .isEqualTo("feed: no producer with an id yet\n");
  }

  @Test
  void aProducerOutsideAMembersListOfTheMostRecentlyActiveIsNotCountedAsADifference() {
    List<String> names = List.of("StatServer_A", "StatServer_B");
    ServerInfo a = fed(120, 60_000).toBuilder().addProducers(ProducerProgress.newBuilder().setProducerId("router-2")
        .setAppliedThrough(7).setEvents(70)).setProducersRemembered(150).build();
    ServerInfo b = fed(120, 60_000).toBuilder().setProducersRemembered(150).build();
    assertThat(StatusCommand.feedAgreement(names, List.of(a, b)))
        .isEqualTo("feed: StatServer_A and StatServer_B agree (1 producer(s) of the most recently active)\n");
    assertThat(StatusCommand.feedAgreement(names, List.of(a, b.toBuilder().setProducersRemembered(1).build())))
        .as("B lists all it remembers: router-2 is missing there").asString().contains("DIFFER: router-2");
  }

  @Test
  void theLeaderSaysSinceWhenItLeadsAndItsLeaseAStandbyWhereTheLeaderIs() {
    long since = Instant.parse("2026-12-05T03:12:00Z").toEpochMilli();
    PairsStatus leader = PairsStatus.newBuilder().setAsOf(Timestamps.fromMillis(since + 125_000))
        .setLeader(LeaderInfo.newBuilder().setSince(Timestamps.fromMillis(since))
            .setLeaseRemaining(Durations.fromMillis(5_140)))
        .build();
    Map<HostPort, ManagementOption.Role> roles = new LinkedHashMap<>();
    roles.put(HostPort.parse("host-1:2030"), new ManagementOption.Role(Optional.of(leader), ""));
    roles.put(HostPort.parse("host-2:2031"), new ManagementOption.Role(Optional.empty(),
        "stands by: the leader is at host-1:2030"));
    String rendered = StatusCommand.renderLeadership(roles);
    assertThat(rendered).contains("host-1:2030").containsPattern("leads since \\d\\d:\\d\\d:00\\.000 \\(125 s\\), lease 5\\.1 s left")
        .containsPattern("host-2:2031 +stands by: the leader is at host-1:2030");
  }
}
