package io.tandem.testing;

import io.grpc.ManagedChannel;
import io.tandem.common.bootstrap.RunningService;
import io.tandem.common.bootstrap.ServiceLauncher;
import io.tandem.common.grpc.Channels;
import io.tandem.common.grpc.HealthProbe;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TransportSecurity;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A service of a {@link MiniStack} inside the calling JVM, started by its {@link ServiceLauncher}. */
final class InJvmMember implements StackMember {
  private static final Duration PROBE_DEADLINE = Duration.ofMillis(500);

  private final Launch launch;
  private final List<String> tlsFlags;
  private final TransportSecurity channelSecurity;
  private RunningService service;
  private ManagedChannel channel;

  /**
   * @param tlsFlags the service's own {@code --tls-*} flags, after the launch's
   * @param channelSecurity how {@link #channel} calls it
   */
  InJvmMember(Launch launch, List<String> tlsFlags, TransportSecurity channelSecurity) {
    this.launch = launch;
    this.tlsFlags = tlsFlags;
    this.channelSecurity = channelSecurity;
  }

  InJvmMember start() throws Exception {
    service = ServiceLauncher.of(launch.service().launcherName()).start(launch.withArgs(tlsFlags).args());
    return this;
  }

  /** One of the service's objects (benchmarks read figures from them). */
  <T> T get(Class<T> type) {
    return service.get(type);
  }

  @Override
  public Launch launch() {
    return launch;
  }

  @Override
  public synchronized ManagedChannel channel() {
    if (channel == null) {
      channel = Channels.open(address(), ServerIdentity.of(launch.application()), channelSecurity);
    }
    return channel;
  }

  @Override
  public HealthProbe.Result health() {
    return HealthProbe.check(channel(), "", PROBE_DEADLINE);
  }

  @Override
  public StackMember awaitServing(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    HealthProbe.Result last = health();
    while (!last.serving()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(name() + " not SERVING after " + timeout.toSeconds() + " s (last: "
            + last.describe() + ")");
      }
      TimeUnit.MILLISECONDS.sleep(50);
      last = health();
    }
    return this;
  }

  @Override
  public boolean alive() {
    return service != null;
  }

  @Override
  public synchronized void close() {
    if (service != null) {
      service.close();
      service = null;
    }
    Channels.close(channel, Duration.ofSeconds(1));
    channel = null;
  }

  @Override
  public java.util.OptionalInt exitCode() {
    throw unsupported("an exit status");
  }

  @Override
  public void kill() {
    throw unsupported("kill");
  }

  @Override
  public void pause() {
    throw unsupported("pause");
  }

  @Override
  public void resume() {
    throw unsupported("resume");
  }

  @Override
  public String logText() {
    throw unsupported("a log file of its own");
  }

  private UnsupportedOperationException unsupported(String what) {
    return new UnsupportedOperationException(name() + " runs in this JVM: " + what + " needs MiniStack.Mode.PROCESSES");
  }
}
