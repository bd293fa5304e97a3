package io.tandem.etcd;

import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.tandem.protocol.link.HostPort;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * What one etcd member says of itself: whether it leads, its revision and database size; or why
 * it could not be asked.
 *
 * @param error empty when the member answered
 */
public record EtcdMemberStatus(HostPort member, boolean leader, long clusterId, long revision, long raftTerm,
    long dbSizeBytes, String version, String error) {

  public boolean answered() {
    return error.isEmpty();
  }

  /** Asks {@code member} on {@code channel} (a channel to that member alone). */
  public static EtcdMemberStatus ask(HostPort member, ManagedChannel channel, Duration deadline) {
    try {
      StatusResponse status = MaintenanceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).status(StatusRequest.getDefaultInstance());
      return new EtcdMemberStatus(member, status.getLeader() != 0 && status.getLeader() == status.getHeader().getMemberId(),
          status.getHeader().getClusterId(), status.getHeader().getRevision(), status.getRaftTerm(), status.getDbSize(), status.getVersion(), "");
    } catch (StatusRuntimeException e) {
      return new EtcdMemberStatus(member, false, 0, 0, 0, 0, "",
          e.getStatus().getCode() + (e.getStatus().getDescription() == null ? "" : ": " + e.getStatus().getDescription()));
    }
  }

  /** Asks every member of {@code endpoints}, each over a channel of its own opened for the call. */
  public static List<EtcdMemberStatus> askAll(EtcdEndpoints endpoints, ChannelCredentials credentials, Duration deadline) {
    return endpoints.members().stream().map(member -> {
      ManagedChannel channel = EtcdChannels.open(new EtcdEndpoints(List.of(member)), credentials);
      try {
        return ask(member, channel, deadline);
      } finally {
        channel.shutdownNow();
      }
    }).toList();
  }

  /**
   * What keeps {@code statuses}, the members of one cluster, from being a cluster that serves:
   * a member that did not answer, members of different clusters (another etcd already on one of
   * the ports), or no leader. Empty when every member answered, in one cluster, with a leader.
   */
  public static Optional<String> problem(List<EtcdMemberStatus> statuses) {
    List<String> silent = statuses.stream().filter(s -> !s.answered()).map(s -> s.member() + ": " + s.error()).toList();
    if (!silent.isEmpty()) {
      return Optional.of("no answer from " + String.join("; ", silent));
    }
    if (statuses.stream().map(EtcdMemberStatus::clusterId).distinct().count() > 1) {
      return Optional.of("the members belong to different etcd clusters (" + statuses.stream()
          .map(s -> s.member() + " in " + Long.toHexString(s.clusterId())).collect(Collectors.joining(", "))
          + "): is another etcd already listening on one of these ports?");
    }
    if (leaderOf(statuses).isEmpty()) {
      return Optional.of("no member leads");
    }
    return Optional.empty();
  }

  /** The member that leads, if one of {@code statuses} says so. */
  public static Optional<HostPort> leaderOf(List<EtcdMemberStatus> statuses) {
    return statuses.stream().filter(EtcdMemberStatus::leader).map(EtcdMemberStatus::member).findFirst();
  }
}
