package io.tandem.common.grpc;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Channels between Tandem services (with {@link Keepalive} and {@link MessageLimits}), and their orderly closing. */
public final class Channels {
  private Channels() {}

  /** A plaintext channel to {@code address}; its callbacks run on gRPC's pooled executor. */
  public static ManagedChannel open(HostPort address) {
    return Keepalive.onChannel(
        Grpc.newChannelBuilderForAddress(address.host(), address.port(), InsecureChannelCredentials.create()))
        .maxInboundMessageSize(MessageLimits.MAX_MESSAGE_BYTES)
        .build();
  }

  /**
   * A plaintext channel whose callbacks run on the transport's event loop: one thread hop less
   * per call and message, for callers whose callbacks never block (they complete a future or
   * hand the work to their own thread). Blocking stubs work on it as on any channel.
   */
  public static ManagedChannel openForNonBlockingCallbacks(HostPort address) {
    return Keepalive.onChannel(
        Grpc.newChannelBuilderForAddress(address.host(), address.port(), InsecureChannelCredentials.create()))
        .maxInboundMessageSize(MessageLimits.MAX_MESSAGE_BYTES)
        .directExecutor()
        .build();
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
