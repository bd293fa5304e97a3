package io.tandem.cli;

import io.grpc.ManagedChannel;
import io.tandem.common.grpc.Channels;
import io.tandem.common.grpc.HostPort;
import java.time.Duration;

/** A channel to one service for the length of a command. */
public final class Endpoint implements AutoCloseable {
  /** Deadline of a command's unary calls: a stuck service fails the command instead of hanging it. */
  public static final Duration CALL_DEADLINE = Duration.ofSeconds(15);

  private final HostPort address;
  private final ManagedChannel channel;

  public Endpoint(HostPort address) {
    this.address = address;
    this.channel = Channels.open(address);
  }

  public ManagedChannel channel() {
    return channel;
  }

  public HostPort address() {
    return address;
  }

  @Override
  public void close() {
    Channels.close(channel, Duration.ofSeconds(2));
  }
}
