package io.tandem.protocol.link;

import java.time.Duration;

/**
 * HTTP/2 keepalive on every Tandem link, both directions, so a peer that is gone without a
 * reset (a frozen process, a paused VM, a half-open TCP connection) is found in seconds, not
 * hours. Pings go also on connections without calls: supervision and watch streams are often
 * quiet. A process that is merely slow answers pings from its transport threads, so pings find
 * the dead, not the busy; hung applications are found by the Management Layer's heartbeats.
 */
public final class Keepalive {
  /**
   * Time without reads before a ping. grpc-java raises anything lower to 10 s on the client side,
   * so this is the fastest a client can find a dead server.
   */
  public static final Duration TIME = Duration.ofSeconds(10);
  /** How long a ping may go unanswered before the connection is closed. */
  public static final Duration TIMEOUT = Duration.ofSeconds(5);
  /**
   * The most frequent pings a server accepts from a client (half of {@link #TIME}, so clocks and
   * scheduling jitter never make a well-behaved client look abusive and get it a GOAWAY).
   */
  public static final Duration PERMIT = TIME.dividedBy(2);

  private Keepalive() {}
}
