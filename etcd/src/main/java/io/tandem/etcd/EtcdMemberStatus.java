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

/**
 * What one etcd member says of itself: whether it leads, its revision and database size; or why
 * it could not be asked.
 *
 * @param error empty when the member answered
 */
public record EtcdMemberStatus(HostPort member, boolean leader, long revision, long raftTerm, long dbSizeBytes,
    String version, String error) {

  public boolean answered() {
    return error.isEmpty();
  }

  /** Asks {@code member} on {@code channel} (a channel to that member alone). */
  public static EtcdMemberStatus ask(HostPort member, ManagedChannel channel, Duration deadline) {
    try {
      StatusResponse status = MaintenanceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).status(StatusRequest.getDefaultInstance());
      return new EtcdMemberStatus(member, status.getLeader() != 0 && status.getLeader() == status.getHeader().getMemberId(),
          status.getHeader().getRevision(), status.getRaftTerm(), status.getDbSize(), status.getVersion(), "");
    } catch (StatusRuntimeException e) {
      return new EtcdMemberStatus(member, false, 0, 0, 0, "",
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

  /** The member that leads, if one of {@code statuses} says so. */
  public static Optional<HostPort> leaderOf(List<EtcdMemberStatus> statuses) {
    return statuses.stream().filter(EtcdMemberStatus::leader).map(EtcdMemberStatus::member).findFirst();
  }
}
