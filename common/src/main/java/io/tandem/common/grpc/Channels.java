package io.tandem.common.grpc;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Channels between Tandem services, and their orderly closing. */
public final class Channels {
  private Channels() {}

  /** A plaintext channel to {@code address}. */
  public static ManagedChannel open(HostPort address) {
    return Grpc.newChannelBuilderForAddress(address.host(), address.port(), InsecureChannelCredentials.create())
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
