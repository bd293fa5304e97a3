package io.tandem.common.bootstrap;

import io.tandem.common.metrics.MetricsFlags;
import io.tandem.common.security.ConnectionLimits;
import io.tandem.common.security.TlsFlags;
import picocli.CommandLine.Mixin;

/**
 * The flags every service takes alike — {@code --tls-*} / {@code --insecure} and the
 * {@code --max-*-per-connection} limits, {@code --metrics-port}, {@code --status-file} — for a service's {@code main} to extend.
 */
public abstract class ServiceMain implements ServiceCommand {
  @Mixin
  protected TlsFlags tls;

  @Mixin
  protected ConnectionLimits limits;

  @Mixin
  protected MetricsFlags metrics;

  @Mixin
  protected StatusFileFlags statusFile;

  @Override
  public final TlsFlags tls() {
    return tls;
  }

  @Override
  public final ConnectionLimits limits() {
    return limits;
  }

  @Override
  public final MetricsFlags metrics() {
    return metrics;
  }

  @Override
  public final StatusFileFlags statusFile() {
    return statusFile;
  }
}
