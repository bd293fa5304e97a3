package io.tandem.cli.link;

import io.grpc.ManagedChannel;
import io.tandem.common.grpc.Channels;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.security.AccessRule;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TlsFlags;
import io.tandem.common.security.TransportSecurity;
import java.time.Duration;

/** A channel to one service for the length of a command, as the operator (or plaintext with --insecure). */
public final class Endpoint implements AutoCloseable {
  /** Deadline of a command's unary calls: a stuck service fails the command instead of hanging it. */
  public static final Duration CALL_DEADLINE = Duration.ofSeconds(15);

  private final HostPort address;
  private final TransportSecurity security;
  private final ManagedChannel channel;

  /**
   * A channel to {@code server} at {@code address}: a service presenting another application's
   * certificate there is refused.
   *
   * @throws picocli.CommandLine.ParameterException when the certificates named by {@code tls} cannot be used
   */
  public Endpoint(HostPort address, ServerIdentity server, TlsFlags tls) {
    this.address = address;
    this.security = tls.forCommand(AccessRule.OPERATOR);
    this.channel = Channels.open(address, server, security);
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
    security.close();
  }
}
