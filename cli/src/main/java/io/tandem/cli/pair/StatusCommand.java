package io.tandem.cli.pair;

import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TlsFlags;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import io.grpc.StatusRuntimeException;
import io.tandem.cli.link.Endpoint;
import io.tandem.protocol.link.HostPort;
import io.tandem.stat.v1.GetServerInfoRequest;
import io.tandem.stat.v1.ProducerProgress;
import io.tandem.stat.v1.ServerInfo;
import io.tandem.stat.v1.StatServiceGrpc;
import java.util.concurrent.TimeUnit;
import io.tandem.management.v1.GetPairsRequest;
import io.tandem.management.v1.MemberStatus;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.PairStatus;
import io.tandem.management.v1.PairsStatus;
import io.tandem.management.v1.SwitchoverRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code tandem status}: pairs, modes, statuses and the last switchover. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = {"Show every pair the Management Layer supervises: members, modes, statuses, since when, last switchover;",
        "then each Config Server (head, history, sessions) and each etcd member (leader, revision, database size)."})
public final class StatusCommand implements Callable<Integer> {

  @Mixin
  ManagementOption management;


  @Mixin
  TlsFlags tls;

  @Mixin
  ConfigServersOption configServers;

  @Mixin
  EtcdOption etcd;

  @Override
  public Integer call() {
    StatusRuntimeException managementFailure = null;
    try (Endpoint endpoint = management.open(tls)) {
      PairsStatus status = ManagementOption.stub(endpoint).getPairs(GetPairsRequest.getDefaultInstance());
      System.out.print(render(status));
      System.out.print(renderServers(status));
    } catch (StatusRuntimeException e) {
      // The configuration's side is still worth showing: it may say why.
      managementFailure = e;
      System.out.println("The Management Layer at " + management.address() + " did not answer (" + e.getStatus().getCode()
          + "); its pairs are not shown.");
    }
    if (management.addresses().size() > 1) {
      System.out.print(renderLeadership(management.leadership(tls)));
    }
    System.out.print(StoreStatus.render(configServers.addresses(), etcd.endpoints(), configServers.identity(), tls));
    if (managementFailure != null) {
      throw managementFailure;
    }
    return 0;
  }

  /** Which of several Management Layers leads, as each answers for itself; the leader: since when, and its lease. */
  static String renderLeadership(Map<HostPort, ManagementOption.Role> roles) {
    StringBuilder out = new StringBuilder("\nMANAGEMENT LAYERS\n");
    roles.forEach((address, role) -> out.append(String.format("  %-22s %s%n", address,
        role.describe())));
    return out.toString();
  }

  static String render(PairsStatus status) {
    StringBuilder out = new StringBuilder();
    if (status.getPairsCount() == 0) {
      return "No pairs or applications known to the Management Layer.\n";
    }
    for (PairStatus pair : status.getPairsList()) {
      if (pair.getMembersCount() == 2) {
        out.append(String.format("PAIR %s / %s (epoch %d)%n", pair.getMembers(0).getApplication(),
            pair.getMembers(1).getApplication(), pair.getEpoch()));
      } else {
        out.append(String.format("STANDALONE %s (epoch %d)%n", pair.getMembers(0).getApplication(), pair.getEpoch()));
      }
      out.append(String.format("  %-16s %-8s %-4s %13s %-20s %-9s %-12s %s%n", "APPLICATION", "MODE", "ACK", "EPOCH",
          "STATUS", "CONNECTED", "SINCE", "CLIENT PORT"));
      for (MemberStatus m : pair.getMembersList()) {
        out.append(String.format("  %-16s %-8s %-4s %13d %-20s %-9s %-12s %s%n", m.getApplication(), mode(m.getMode()),
            m.getMode() == Mode.MODE_UNSPECIFIED ? "-" : m.getModeAcknowledged() ? "yes" : "no", m.getEpoch(),
            m.getStatus().name().replace("APP_STATUS_UNSPECIFIED", "-"),
            m.getHung() ? "HUNG" : m.getConnected() ? "yes" : "no", time(m.getSince()),
            m.getClientAddress().isEmpty() ? "-" : m.getClientAddress()));
      }
      if (pair.hasLastSwitchover()) {
        SwitchoverRecord last = pair.getLastSwitchover();
        out.append(String.format("  last switchover: %s %s %s in %d ms (%s -> %s)%s%n", time(last.getTime()),
            last.getCause(), last.getResult(), last.getDurationMs(), last.getFromPrimary(), last.getToPrimary(),
            last.getDetail().isEmpty() ? "" : ": " + last.getDetail()));
      } else if (pair.getMembersCount() == 2) {
        out.append("  last switchover: none\n");
      }
      if (pair.getRecentModeChanges() > 0) {
        out.append(String.format("  mode changes in the flapping window: %d%n", pair.getRecentModeChanges()));
      }
    }
    return out.toString();
  }

  /**
   * Each member's own view (GetServerInfo on its client port), next to the Management Layer's, and
   * whether the two members of a pair have applied the same feed.
   */
  String renderServers(PairsStatus status) {
    StringBuilder out = new StringBuilder();
    out.append(String.format("%nSTAT SERVERS (their own view)%n  %-16s %-10s %13s %-9s %-12s %10s %7s %10s  %s%n",
        "APPLICATION", "ROLE", "EPOCH", "RELOAD", "CONFIG", "LAST EVENT", "RELOADS", "LAST (ms)", "CLIENTS"));
    for (PairStatus pair : status.getPairsList()) {
      Map<String, ServerInfo> infos = new LinkedHashMap<>();
      for (MemberStatus m : pair.getMembersList()) {
        if (m.getClientAddress().isEmpty()) {
          continue;
        }
        out.append("  ").append(serverLine(m, infos));
      }
      if (infos.size() == 2) {
        out.append("  ").append(feedAgreement(List.copyOf(infos.keySet()), List.copyOf(infos.values())));
      }
    }
    return out.toString();
  }

  /**
   * Whether both members applied the same batches of every producer (a snapshot: a running feed
   * may differ for a moment). Each member lists only its most recently active producers: one
   * listed by a member alone is compared only if the other lists every producer it remembers.
   */
  static String feedAgreement(List<String> names, List<ServerInfo> infos) {
    Map<String, ProducerProgress> first = byProducer(infos.get(0));
    Map<String, ProducerProgress> second = byProducer(infos.get(1));
    if (first.isEmpty() && second.isEmpty()) {
      return "feed: no producer with an id yet\n";
    }
    List<String> differences = new ArrayList<>();
    java.util.Set<String> producers = new java.util.TreeSet<>(first.keySet());
    producers.addAll(second.keySet());
    int compared = 0;
    for (String producer : producers) {
      if ((!first.containsKey(producer) && !listsAll(infos.get(0)))
          || (!second.containsKey(producer) && !listsAll(infos.get(1)))) {
        continue;
      }
      compared++;
      ProducerProgress a = first.getOrDefault(producer, ProducerProgress.getDefaultInstance());
      ProducerProgress b = second.getOrDefault(producer, ProducerProgress.getDefaultInstance());
      if (a.getAppliedThrough() != b.getAppliedThrough() || a.getEvents() != b.getEvents()) {
        differences.add(String.format("%s: %s through batch %d (%d events), %s through batch %d (%d events)", producer,
            names.get(0), a.getAppliedThrough(), a.getEvents(), names.get(1), b.getAppliedThrough(), b.getEvents()));
      }
    }
    return differences.isEmpty()
        ? String.format("feed: %s and %s agree (%d producer(s)%s)%n", names.get(0), names.get(1), compared,
            compared < producers.size() ? " of the most recently active" : "")
        : String.format("feed: %s and %s DIFFER: %s%n", names.get(0), names.get(1), String.join("; ", differences));
  }

  /** Whether {@code info} lists every producer its server remembers. */
  private static boolean listsAll(ServerInfo info) {
    return info.getProducersRemembered() <= info.getProducersCount();
  }

  private static Map<String, ProducerProgress> byProducer(ServerInfo info) {
    Map<String, ProducerProgress> producers = new LinkedHashMap<>();
    info.getProducersList().forEach(p -> producers.put(p.getProducerId(), p));
    return producers;
  }

  private String serverLine(MemberStatus member, Map<String, ServerInfo> infos) {
    HostPort address;
    try {
      address = HostPort.parse(member.getClientAddress());
    } catch (IllegalArgumentException e) {
      return String.format("%-16s (client address '%s' unusable)%n", member.getApplication(), member.getClientAddress());
    }
    try (Endpoint endpoint = new Endpoint(address, ServerIdentity.of(member.getApplication()), tls)) {
      ServerInfo info = StatServiceGrpc.newBlockingStub(endpoint.channel()).withDeadlineAfter(2, TimeUnit.SECONDS)
          .getServerInfo(GetServerInfoRequest.getDefaultInstance());
      infos.put(member.getApplication(), info);
      return String.format("%-16s %-10s %13d %-9s %-12s %10d %7d %10d  %s%n", member.getApplication(),
          info.getRole().name().replace("ROLE_UNSPECIFIED", "-"), info.getEpoch(), info.getReloadMode(),
          info.getConfigState(), info.getLastEventId(), info.getReloadCount(), info.getLastReloadMs(),
          info.getServing() ? "SERVING" : "NOT_SERVING (" + info.getNotServingReason() + ")");
    } catch (StatusRuntimeException e) {
      return String.format("%-16s unreachable at %s (%s)%n", member.getApplication(), address, e.getStatus().getCode());
    }
  }

  private static String mode(Mode mode) {
    return mode == Mode.MODE_UNSPECIFIED ? "-" : mode.name();
  }

  private static String time(Timestamp t) {
    return t.getSeconds() == 0 ? "-" : TimeOfDay.of(Timestamps.toMillis(t));
  }
}
