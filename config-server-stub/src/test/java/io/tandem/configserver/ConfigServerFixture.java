package io.tandem.configserver;

import com.google.inject.util.Modules;
import io.grpc.ManagedChannel;
import io.tandem.common.bootstrap.RunningService;
import io.tandem.common.bootstrap.ServiceRunner;
import io.tandem.common.grpc.Channels;
import io.tandem.configserver.settings.ConfigServerSettings;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TransportSecurity;
import io.tandem.common.testing.TestPki;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.configserver.journal.Disk;
import java.nio.file.Path;
import java.time.Duration;

/** A Config Server in this JVM on a free port, over real Netty and mutual TLS, with the operator's channel. */
public final class ConfigServerFixture implements AutoCloseable {
  public final RunningService service;
  private final TransportSecurity operator = TestPki.shared().security("operator");
  public final ManagedChannel channel;
  public final ConfigServiceGrpc.ConfigServiceBlockingStub blocking;
  public final ConfigServiceGrpc.ConfigServiceStub async;

  private ConfigServerFixture(RunningService service) {
    this.service = service;
    this.channel = Channels.open(HostPort.local(service.port()), ServerIdentity.of("confserv"), operator);
    this.blocking = ConfigServiceGrpc.newBlockingStub(channel);
    this.async = ConfigServiceGrpc.newStub(channel);
  }

  public static ConfigServerFixture start(ConfigServerSettings settings) throws Exception {
    return new ConfigServerFixture(ServiceRunner.start("config-server", 0, TestPki.shared().server("confserv"),
        new ConfigServerModule(settings)));
  }

  /** A Config Server whose journal and checkpoints go through {@code disk} (a fault-injecting one). */
  public static ConfigServerFixture start(ConfigServerSettings settings, Disk disk) throws Exception {
    return new ConfigServerFixture(ServiceRunner.start("config-server", 0, TestPki.shared().server("confserv"), Modules.override(
        new ConfigServerModule(settings)).with(binder -> binder.bind(Disk.class).toInstance(disk))));
  }

  public static ConfigServerFixture start(Path dataDir, Path bootstrap, boolean emptyHistory) throws Exception {
    return start(new ConfigServerSettings(dataDir, bootstrap, emptyHistory, "confserv", false));
  }

  public static ConfigServerFixture start(Path dataDir) throws Exception {
    return start(dataDir, null, false);
  }

  public int port() {
    return service.port();
  }

  @Override
  public void close() {
    service.close();
    Channels.close(channel, Duration.ofSeconds(2));
    operator.close();
  }
}
