package io.tandem.etcd;

import java.time.Duration;

/**
 * How a service reaches the etcd cluster it shares with others: the Config Servers' store, the
 * Management Layers' election.
 *
 * @param endpoints the etcd members' client addresses ({@code --etcd-endpoints})
 * @param prefix every key Tandem keeps starts with it ({@code --etcd-prefix}); Config Servers
 *     sharing endpoints and prefix serve one configuration, Management Layers elect one leader
 * @param timeout how long one call to etcd may take before it is given up ({@code --etcd-timeout-ms})
 */
public record EtcdSettings(EtcdEndpoints endpoints, String prefix, Duration timeout) {
  public static final String DEFAULT_PREFIX = "/tandem/";
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  public EtcdSettings {
    if (!prefix.startsWith("/") || !prefix.endsWith("/")) {
      throw new IllegalArgumentException("--etcd-prefix: must start and end with '/', as " + DEFAULT_PREFIX
          + " does, not '" + prefix + "'");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("--etcd-timeout-ms: must be positive, not " + timeout);
    }
  }
}
