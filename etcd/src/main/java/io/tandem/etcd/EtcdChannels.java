package io.tandem.etcd;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import java.util.concurrent.TimeUnit;

/** Channels to an etcd cluster: one per cluster, over every member of its endpoint list. */
public final class EtcdChannels {
  /** etcd answers a range with every key it matches in one message: a store's listing can be large. */
  private static final int MAX_INBOUND_BYTES = 64 * 1024 * 1024;

  static {
    NameResolverRegistry.getDefaultRegistry().register(new EndpointsResolverProvider());
  }

  private EtcdChannels() {}

  /**
   * A channel to the members of {@code endpoints}: calls go to each reachable member in turn, as
   * etcd's Go client spreads them, so that a call refused by a member that lost its leader (the
   * callers ask for etcd's {@code hasleader} check) is tried again on another. Keepalive pings, while calls are open, find a connection whose
   * member went away without closing it (a host gone, a cut link) within seconds rather than the
   * system's TCP timeout; none on an idle connection, which etcd answers with GOAWAY
   * too_many_pings.
   */
  public static ManagedChannel open(EtcdEndpoints endpoints, ChannelCredentials credentials) {
    return Grpc.newChannelBuilder(endpoints.target(), credentials)
        .defaultLoadBalancingPolicy("round_robin")
        .maxInboundMessageSize(MAX_INBOUND_BYTES)
        .keepAliveTime(6, TimeUnit.SECONDS) // etcd refuses pings closer than 5 s (--grpc-keepalive-min-time)
        .keepAliveTimeout(3, TimeUnit.SECONDS)
        .keepAliveWithoutCalls(false)
        .build();
  }
}
