package io.tandem.testing;

import io.grpc.ManagedChannel;
import io.tandem.common.grpc.HealthProbe;
import io.tandem.common.process.ServiceProcess;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TransportSecurity;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A service of a {@link MiniStack} running as its own process, logging to {@code DIR/NAME.log}. */
final class ProcessMember implements StackMember {
  private final Launch launch;
  private final ServiceProcess process;

  /**
   * @param tlsFlags the service's own {@code --tls-*} flags, after the launch's
   * @param channelSecurity how {@link #channel} and the health probe call it
   */
  ProcessMember(Launch launch, List<String> tlsFlags, TransportSecurity channelSecurity, Path dir) {
    this.launch = launch;
    this.process = new ServiceProcess(launch.name(), RunnableJars.of(launch.service()), launch.port(),
        launch.jvmOptions(), launch.withArgs(tlsFlags).args(), launch.environment(), dir.resolve(launch.name() + ".log"),
        ServerIdentity.of(launch.application()), channelSecurity);
  }

  ProcessMember start() throws IOException {
    process.start();
    return this;
  }

  /** The process itself: its pid, exit code, signals. */
  ServiceProcess process() {
    return process;
  }

  @Override
  public Launch launch() {
    return launch;
  }

  @Override
  public ManagedChannel channel() {
    return process.channel();
  }

  @Override
  public HealthProbe.Result health() {
    return process.health();
  }

  @Override
  public StackMember awaitServing(Duration timeout) throws InterruptedException {
    process.awaitServing(timeout);
    return this;
  }

  @Override
  public boolean alive() {
    return process.alive();
  }

  @Override
  public java.util.OptionalInt exitCode() {
    return process.alive() ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(process.exitValue());
  }

  @Override
  public void close() throws InterruptedException {
    process.close();
  }

  @Override
  public void kill() throws InterruptedException {
    process.kill();
  }

  @Override
  public void pause() throws IOException, InterruptedException {
    process.pause();
  }

  @Override
  public void resume() throws IOException, InterruptedException {
    process.resume();
  }

  @Override
  public String logText() {
    return process.logText();
  }
}
