package io.tandem.management.leader;

import io.grpc.ManagedChannel;
import io.tandem.common.bootstrap.ManagedService;
import io.tandem.common.grpc.Channels;
import java.time.Duration;

/**
 * The election as a part of the service: it campaigns once started, and when stopped writes the
 * pairs' state left to write, then hands over (revoking its lease).
 */
public final class LeaderElectionService implements ManagedService {
  private final EtcdLeaderElection election;
  private final EtcdPairMemories memories;
  private final ManagedChannel etcd;
  private final Duration callTimeout;

  public LeaderElectionService(EtcdLeaderElection election, EtcdPairMemories memories, ManagedChannel etcd,
      Duration callTimeout) {
    this.election = election;
    this.memories = memories;
    this.etcd = etcd;
    this.callTimeout = callTimeout;
  }

  @Override
  public void start() {
    election.start();
  }

  @Override
  public void stop() throws InterruptedException {
    memories.close(callTimeout);
    election.close();
    Channels.close(etcd, Duration.ofSeconds(1));
  }

  @Override
  public String name() {
    return "leader election";
  }
}
