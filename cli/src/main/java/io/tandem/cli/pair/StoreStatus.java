package io.tandem.cli.pair;

import io.grpc.StatusRuntimeException;
import io.tandem.cli.home.StackAddresses;
import io.tandem.cli.link.Endpoint;
import io.tandem.common.security.AccessRule;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TlsFlags;
import io.tandem.common.security.TransportSecurity;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.GetHistoryInfoRequest;
import io.tandem.config.v1.HistoryInfo;
import io.tandem.etcd.EtcdEndpoints;
import io.tandem.etcd.EtcdMemberStatus;
import io.tandem.protocol.link.HostPort;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The configuration's side of {@code tandem status}: each Config Server (head, history, sessions)
 * and, when the configuration is in etcd, each etcd member (leader, revision, database size).
 */
public final class StoreStatus {
  private static final Duration DEADLINE = Duration.ofSeconds(3);

  private StoreStatus() {}

  /** The Config Servers {@code tandem up} started here, or the default address when it started none. */
  public static List<HostPort> localConfigServers() {
    List<HostPort> servers = StackAddresses.here().named("config-server");
    return servers.isEmpty() ? List.of(HostPort.parse("localhost:2020")) : servers;
  }

  /** The etcd members {@code tandem up --etcd} started here, or none. */
  public static List<HostPort> localEtcd() {
    return StackAddresses.here().named("etcd");
  }

  /** What one Config Server answered about its history: {@code info}, or the {@code error} it gave. */
  public record ConfigServerAnswer(HostPort address, HistoryInfo info, String error) {
    public boolean answered() {
      return error.isEmpty();
    }
  }

  /** Each of {@code configServers}' history, or why it did not answer within {@code deadline}. */
  public static List<ConfigServerAnswer> askConfigServers(List<HostPort> configServers, String identity, TlsFlags tls,
      Duration deadline) {
    List<ConfigServerAnswer> answers = new java.util.ArrayList<>();
    for (HostPort address : configServers) {
      try (Endpoint endpoint = new Endpoint(address, ServerIdentity.of(identity), tls)) {
        answers.add(new ConfigServerAnswer(address, ConfigServiceGrpc.newBlockingStub(endpoint.channel())
            .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
            .getHistoryInfo(GetHistoryInfoRequest.getDefaultInstance()), ""));
      } catch (StatusRuntimeException e) {
        answers.add(new ConfigServerAnswer(address, HistoryInfo.getDefaultInstance(),
            e.getStatus().getCode().toString()));
      }
    }
    return answers;
  }

  /** Each etcd member's status, asked as the operator. */
  public static List<EtcdMemberStatus> askEtcd(List<HostPort> etcd, TlsFlags tls, Duration deadline) {
    try (TransportSecurity security = tls.forCommand(AccessRule.OPERATOR)) {
      return EtcdMemberStatus.askAll(new EtcdEndpoints(etcd),
          security.channelCredentials(ServerIdentity.of(ServerIdentity.ETCD)), deadline);
    }
  }

  static String render(List<HostPort> configServers, List<HostPort> etcd, String identity, TlsFlags tls) {
    StringBuilder out = new StringBuilder("\nCONFIG SERVERS\n");
    out.append(String.format("  %-22s %10s %10s %10s %9s%n", "ADDRESS", "HEAD", "OLDEST", "OBJECTS", "SESSIONS"));
    for (ConfigServerAnswer answer : askConfigServers(configServers, identity, tls, DEADLINE)) {
      HistoryInfo info = answer.info();
      out.append(answer.answered()
          ? String.format("  %-22s %10d %10d %10d %9d%n", answer.address(), info.getHeadEventId(),
              info.getOldestRetainedEventId(), info.getObjects(), info.getClientsCount())
          : String.format("  %-22s %s%n", answer.address(), "not answering: " + answer.error()));
    }
    if (!etcd.isEmpty()) {
      out.append("\nETCD MEMBERS\n");
      out.append(String.format("  %-22s %-6s %10s %6s %12s %s%n", "MEMBER", "LEADER", "REVISION", "TERM", "DB BYTES",
          "VERSION"));
      for (EtcdMemberStatus member : askEtcd(etcd, tls, DEADLINE)) {
        out.append(member.answered()
            ? String.format("  %-22s %-6s %10d %6d %12d %s%n", member.member(), member.leader() ? "yes" : "no",
                member.revision(), member.raftTerm(), member.dbSizeBytes(), member.version())
            : String.format("  %-22s not answering: %s%n", member.member(), member.error()));
      }
    }
    return out.toString();
  }
}
