package io.tandem.statserver;

import com.google.inject.AbstractModule;
import com.google.inject.Singleton;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.OptionalBinder;
import com.google.inject.multibindings.ProvidesIntoSet;
import io.grpc.ServerServiceDefinition;
import io.tandem.common.bootstrap.HandlerThreading;
import io.tandem.common.bootstrap.InboundMessageLimit;
import io.tandem.common.bootstrap.Link;
import io.tandem.common.bootstrap.ManagedService;
import io.tandem.common.grpc.MessageLimits;
import io.tandem.common.security.AccessPolicy;
import io.tandem.common.security.AccessRule;
import io.tandem.common.security.ConnectionQuota;
import io.tandem.stat.v1.StatServiceGrpc;
import io.tandem.statserver.api.ServerInfoSource;
import io.tandem.statserver.api.StatServiceImpl;
import io.tandem.statserver.reload.ReloadCoordinator;
import io.tandem.statserver.settings.StatServerSettings;
import io.tandem.statserver.stats.StatisticsEngine;
import io.tandem.statserver.sync.ConfigSync;

/**
 * Wiring of the Stat Server: the statistics engine, the configuration session, then the reload
 * coordinator that drives both (and the Management Layer link); the client port opens last.
 */
public final class StatServerModule extends AbstractModule {
  private final StatServerSettings settings;

  public StatServerModule(StatServerSettings settings) {
    this.settings = settings;
  }

  @Override
  protected void configure() {
    bind(StatServerSettings.class).toInstance(settings);
    bind(StatisticsEngine.class).in(Singleton.class);
    bind(ConfigSync.class).in(Singleton.class);
    bind(ReloadCoordinator.class).in(Singleton.class);
    bind(ServerInfoSource.class).to(ReloadCoordinator.class);
    bind(StatServiceImpl.class).in(Singleton.class);

    // Every handler hands its work to the service's own threads: run them on the event loop.
    OptionalBinder.newOptionalBinder(binder(), HandlerThreading.class).setBinding().toInstance(HandlerThreading.EVENT_LOOP);
    // The largest request to the client port is a Feed batch: what each stream asked for one may bring.
    OptionalBinder.newOptionalBinder(binder(), InboundMessageLimit.class).setBinding()
        .toInstance(new InboundMessageLimit(MessageLimits.MAX_FEED_BATCH_BYTES));
    Multibinder<ManagedService> parts = Multibinder.newSetBinder(binder(), ManagedService.class);
    parts.addBinding().to(StatisticsEngine.class);
    parts.addBinding().to(ConfigSync.class);
    parts.addBinding().to(ReloadCoordinator.class);
  }

  @ProvidesIntoSet
  ServerServiceDefinition statService(StatServiceImpl service) {
    return service.gatedDefinition();
  }

  @ProvidesIntoSet
  Link configServerLink(ReloadCoordinator coordinator) {
    return coordinator.configServerLink();
  }

  @ProvidesIntoSet
  Link managementLink(ReloadCoordinator coordinator) {
    return coordinator.managementLink();
  }

  /** Statistics and the feed: routing clients, the operator, and the pair's own members (backup probes). */
  @ProvidesIntoSet
  AccessPolicy statPolicy(ReloadCoordinator coordinator) {
    AccessRule callers = AccessRule.of("client, operator, the members of this pair",
        identity -> identity.equals(AccessRule.CLIENT) || identity.equals(AccessRule.OPERATOR)
            || coordinator.isPairMember(identity));
    return AccessPolicy.forService(StatServiceGrpc.getServiceDescriptor())
        .allow("Feed", callers, ConnectionQuota.FEEDS)
        .allow("OpenStatistic", callers, ConnectionQuota.STATISTICS)
        .allow("GetStatistic", callers)
        .allow("CloseStatistic", callers)
        .allow("GetServerInfo", callers)
        .build();
  }
}
