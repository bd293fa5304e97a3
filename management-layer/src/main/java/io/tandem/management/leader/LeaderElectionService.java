package io.tandem.management.leader;

import io.grpc.ManagedChannel;
import io.tandem.common.bootstrap.ManagedService;
import io.tandem.common.grpc.Channels;
import java.time.Duration;

/** The election as a part of the service: it campaigns once started, and hands over (revoking its lease) when stopped. */
public final class LeaderElectionService implements ManagedService {
  private final EtcdLeaderElection election;
  private final ManagedChannel etcd;

  public LeaderElectionService(EtcdLeaderElection election, ManagedChannel etcd) {
    this.election = election;
    this.etcd = etcd;
  }

  @Override
  public void start() {
    election.start();
  }

  @Override
  public void stop() throws InterruptedException {
    election.close();
    Channels.close(etcd, Duration.ofSeconds(1));
  }

  @Override
  public String name() {
    return "leader election";
  }
}
