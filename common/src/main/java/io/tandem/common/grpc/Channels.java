package io.tandem.common.grpc;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TransportSecurity;
import io.tandem.protocol.link.HostPort;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Channels between Tandem services (with {@link GrpcKeepalive} and {@link MessageLimits}), and their orderly closing. */
public final class Channels {
  private Channels() {}

  /**
   * A channel to {@code address}, secured as {@code security} says (with TLS, the server's
   * certificate must name {@code address}'s host and be {@code server}'s); its callbacks run on
   * gRPC's pooled executor.
   */
  public static ManagedChannel open(HostPort address, ServerIdentity server, TransportSecurity security) {
    return builder(address, server, security).build();
  }

  /**
   * A channel whose callbacks run on the transport's event loop: one thread hop less per call
   * and message, for callers whose callbacks never block (they complete a future or hand the
   * work to their own thread). Blocking stubs work on it as on any channel.
   */
  public static ManagedChannel openForNonBlockingCallbacks(HostPort address, ServerIdentity server,
      TransportSecurity security) {
    return builder(address, server, security).directExecutor().build();
  }

  private static ManagedChannelBuilder<?> builder(HostPort address, ServerIdentity server, TransportSecurity security) {
    return GrpcKeepalive.onChannel(
        Grpc.newChannelBuilderForAddress(address.host(), address.port(), security.channelCredentials(server)))
        .maxInboundMessageSize(MessageLimits.MAX_MESSAGE_BYTES);
  }

  /** {@code shutdown} → {@code awaitTermination} → {@code shutdownNow}. */
  public static void close(ManagedChannel channel, Duration grace) {
    if (channel == null) {
      return;
    }
    channel.shutdown();
    try {
      if (!channel.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        channel.shutdownNow();
        channel.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
