package io.tandem.configserver.settings;

import io.tandem.etcd.EtcdEndpoints;
import java.time.Duration;

/**
 * Where the store lives with {@code --store etcd}.
 *
 * @param endpoints the etcd members' client addresses ({@code --etcd-endpoints})
 * @param prefix every key of the store starts with it ({@code --etcd-prefix}); Config Servers
 *     sharing endpoints and prefix serve one configuration
 * @param timeout how long a write may wait for etcd before it is refused ({@code --etcd-timeout})
 */
public record EtcdStoreSettings(EtcdEndpoints endpoints, String prefix, Duration timeout) {
  public static final String DEFAULT_PREFIX = "/tandem/";
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  public EtcdStoreSettings {
    if (!prefix.startsWith("/") || !prefix.endsWith("/")) {
      throw new IllegalArgumentException("--etcd-prefix: must start and end with '/', as " + DEFAULT_PREFIX
          + " does, not '" + prefix + "'");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("--etcd-timeout: must be positive, not " + timeout);
    }
  }
}
