package io.tandem.management;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.name.Named;
import com.google.inject.Singleton;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.OptionalBinder;
import com.google.inject.multibindings.ProvidesIntoSet;
import io.grpc.ServerServiceDefinition;
import io.grpc.ManagedChannel;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TransportSecurity;
import io.tandem.etcd.EtcdChannels;
import io.tandem.management.leader.EtcdEpochLedger;
import io.tandem.management.leader.EtcdLeaderElection;
import io.tandem.management.leader.EtcdPairMemories;
import io.tandem.management.leader.LeaderElectionService;
import io.tandem.management.leader.LeaderLease;
import io.tandem.management.leader.Leading;
import io.tandem.management.leader.ManagementKeys;
import io.tandem.protocol.time.MonotonicClock;
import java.util.Optional;
import java.util.UUID;
import io.tandem.common.bootstrap.Link;
import io.tandem.common.bootstrap.HandlerThreading;
import io.tandem.common.bootstrap.LongLivedStreams;
import io.tandem.common.bootstrap.ManagedService;
import io.tandem.common.security.AccessPolicy;
import io.tandem.common.security.AccessRule;
import io.tandem.common.security.ConnectionQuota;
import io.tandem.management.ledger.EpochLedger;
import io.tandem.management.ledger.LedgerDirectory;
import io.tandem.management.ledger.PairMemories;
import io.tandem.management.settings.ManagementSettings;
import io.tandem.management.supervision.ManagementServiceImpl;
import io.tandem.management.supervision.PairsFromConfiguration;
import io.tandem.management.supervision.RedundancyLoop;
import io.tandem.management.v1.ManagementServiceGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;

/** Wiring of the Management Layer: the redundancy loop, then the configuration it follows, then the API. */
public final class ManagementLayerModule extends AbstractModule {
  private final ManagementSettings settings;

  public ManagementLayerModule(ManagementSettings settings) {
    this.settings = settings;
  }

  @Override
  protected void configure() {
    bind(ManagementSettings.class).toInstance(settings);
    bind(RedundancyLoop.class).in(Singleton.class);
    bind(PairsFromConfiguration.class).in(Singleton.class);
    bind(ManagementServiceImpl.class).in(Singleton.class);
    bind(LeaderLease.class).in(Singleton.class);
    bind(LedgerDirectory.class).toInstance(new LedgerDirectory(settings.dataDir()));

    // Every handler hands its work to the service's own threads: run them on the event loop.
    OptionalBinder.newOptionalBinder(binder(), HandlerThreading.class).setBinding().toInstance(HandlerThreading.EVENT_LOOP);
    Multibinder<ManagedService> parts = Multibinder.newSetBinder(binder(), ManagedService.class);
    parts.addBinding().to(LedgerDirectory.class); // first, so it is unlocked last
    parts.addBinding().to(RedundancyLoop.class);
    parts.addBinding().to(PairsFromConfiguration.class);
    Multibinder.newSetBinder(binder(), LongLivedStreams.class).addBinding().to(RedundancyLoop.class);
  }

  /** Alone, the file in --data-dir; among several, the key beside the leader key in etcd. */
  @Provides
  @Singleton
  EpochLedger epochLedger(Clock clock, Optional<EtcdLeaderElection> election, Optional<ManagedChannel> etcd,
      LedgerDirectory directory) {
    if (election.isPresent()) {
      EtcdLeaderElection leader = election.get();
      return new EtcdEpochLedger(etcd.orElseThrow(), ManagementKeys.epoch(settings.etcd()),
          ManagementKeys.leader(settings.etcd()), clock, leader::fenced, settings.etcd().timeout());
    }
    try {
      return directory.openLedger(clock);
    } catch (IOException e) {
      throw new UncheckedIOException("--data-dir " + settings.dataDir() + ": " + e.getMessage(), e);
    }
  }

  @Provides
  @Singleton
  Optional<EtcdPairMemories> etcdPairMemories(Optional<ManagedChannel> etcd) {
    return etcd.map(channel -> new EtcdPairMemories(channel, ManagementKeys.pairs(settings.etcd()),
        ManagementKeys.leader(settings.etcd()), settings.etcd().timeout()));
  }

  /** Among several, the pairs' state beside the leader key in etcd; alone, none is kept. */
  @Provides
  @Singleton
  PairMemories pairMemories(Optional<EtcdPairMemories> etcd) {
    return etcd.<PairMemories>map(memories -> memories).orElseGet(PairMemories::none);
  }

  @Provides
  @Singleton
  Optional<ManagedChannel> etcdChannel(TransportSecurity security) {
    if (settings.etcd() == null) {
      return Optional.empty();
    }
    return Optional.of(EtcdChannels.open(settings.etcd().endpoints(),
        security.channelCredentials(ServerIdentity.of(ServerIdentity.ETCD))));
  }

  @Provides
  @Singleton
  @Named(RedundancyLoop.DECISIONS)
  Clock decisions() {
    return MonotonicClock.startingNow();
  }

  @Provides
  @Singleton
  Optional<EtcdLeaderElection> election(Optional<ManagedChannel> etcd, LeaderLease lease) {
    return etcd.map(channel -> new EtcdLeaderElection(channel, ManagementKeys.leader(settings.etcd()),
        new EtcdLeaderElection.Leader(UUID.randomUUID().toString(), settings.advertise().toString()), lease,
        MonotonicClock.startingNow(), settings.etcd().timeout()));
  }

  @ProvidesIntoSet
  ManagedService electionService(Optional<EtcdLeaderElection> election, Optional<ManagedChannel> etcd,
      Optional<EtcdPairMemories> memories) {
    // Alone there is nothing to elect: the part does nothing.
    return election.<ManagedService>map(e -> new LeaderElectionService(e, memories.orElseThrow(), etcd.orElseThrow(),
        settings.etcd().timeout()))
        .orElseGet(() -> new ManagedService() {
          @Override
          public void start() {}

          @Override
          public void stop() {}

          @Override
          public String name() {
            return "leader election (none: this Management Layer runs alone)";
          }
        });
  }

  @Provides
  @Singleton
  Leading leading(Optional<EtcdLeaderElection> election) {
    return election.<Leading>map(e -> e).orElseGet(Leading::alone);
  }

  @ProvidesIntoSet
  ServerServiceDefinition managementService(ManagementServiceImpl service) {
    return service.bindService();
  }

  /** What the status file reports it cut off from. */
  @ProvidesIntoSet
  Link configServerLink(PairsFromConfiguration configuration) {
    return configuration.configServerLink();
  }

  /**
   * Supervision from any identity here, and the stream then only for the application its
   * certificate names (ManagementServiceImpl checks the hello); switchovers for the operator;
   * the pairs for the operator and the applications in the configuration.
   */
  @ProvidesIntoSet
  AccessPolicy managementPolicy(PairsFromConfiguration configuration) {
    AccessRule readers = AccessRule.of("operator, applications in the configuration",
        identity -> identity.equals(AccessRule.OPERATOR) || configuration.isApplication(identity));
    return AccessPolicy.forService(ManagementServiceGrpc.getServiceDescriptor())
        .allow("Supervise", AccessRule.of("the application its hello names", identity -> true), ConnectionQuota.WATCHES)
        .allow("Switchover", AccessRule.only(AccessRule.OPERATOR))
        .allow("GetPairs", readers)
        .allow("WatchPairs", readers, ConnectionQuota.WATCHES)
        .build();
  }
}
