package io.tandem.etcd;

import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The {@code --etcd-*} flags of a service that can use etcd (a picocli mixin). */
public final class EtcdOptions {
  @Option(names = "--etcd-endpoints", paramLabel = "HOST:PORT,...",
      description = "The etcd members' client addresses. TLS with this service's certificate and --tls-ca, plaintext"
          + " with --insecure.")
  String endpoints;

  @Option(names = "--etcd-prefix", defaultValue = EtcdSettings.DEFAULT_PREFIX,
      description = "Every key Tandem keeps in etcd starts with it (default ${DEFAULT-VALUE}).")
  String prefix;

  @Option(names = "--etcd-timeout-ms", defaultValue = "5000",
      description = "How long one call to etcd may take before it is given up (default ${DEFAULT-VALUE}).")
  long timeoutMs;

  /** Whether {@code --etcd-endpoints} was given. */
  public boolean given() {
    return endpoints != null;
  }

  /**
   * The settings, or empty without {@code --etcd-endpoints}.
   *
   * @throws IllegalArgumentException naming the flag that is wrong
   */
  public Optional<EtcdSettings> settings() {
    if (endpoints == null) {
      return Optional.empty();
    }
    return Optional.of(new EtcdSettings(EtcdEndpoints.parse("--etcd-endpoints", endpoints), prefix,
        Duration.ofMillis(timeoutMs)));
  }
}
