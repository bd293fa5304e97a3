package io.tandem.configserver;

import com.google.inject.AbstractModule;
import com.google.inject.Singleton;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.ProvidesIntoSet;
import io.grpc.ServerServiceDefinition;
import io.tandem.common.bootstrap.LongLivedStreams;
import io.tandem.common.bootstrap.ManagedService;
import io.tandem.common.bootstrap.ServingWhenStarted;
import io.tandem.common.security.AccessPolicy;
import io.tandem.common.security.AccessRule;
import io.tandem.common.security.ConnectionQuota;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.configserver.api.ConfigServiceImpl;
import io.tandem.configserver.journal.Disk;
import io.tandem.configserver.settings.ConfigServerSettings;
import io.tandem.configserver.etcd.EtcdLog;
import io.tandem.configserver.store.ChangeLog;
import io.tandem.configserver.store.ConfigStore;
import io.tandem.configserver.store.Durability;
import io.tandem.configserver.store.HistoryPurge;
import io.tandem.configserver.store.StoreLock;
import io.tandem.configserver.watch.WatchHub;

/** Wiring of the Configuration Server: store (over the journal or etcd, recovered first), watch sessions, API. */
public final class ConfigServerModule extends AbstractModule {
  private final ConfigServerSettings settings;

  public ConfigServerModule(ConfigServerSettings settings) {
    this.settings = settings;
  }

  @Override
  protected void configure() {
    bind(ConfigServerSettings.class).toInstance(settings);
    bind(Disk.class).toInstance(Disk.LOCAL);
    bind(StoreLock.class).toInstance(new StoreLock());
    if (settings.etcd() == null) {
      bind(ChangeLog.class).to(Durability.class).in(Singleton.class);
    } else {
      bind(ChangeLog.class).to(EtcdLog.class).in(Singleton.class);
    }
    bind(ConfigStore.class).in(Singleton.class);
    bind(HistoryPurge.class).in(Singleton.class);
    bind(WatchHub.class).in(Singleton.class);
    bind(ConfigServiceImpl.class).in(Singleton.class);
    bind(ServingWhenStarted.class).in(Singleton.class);
    bind(ConfigServerMetrics.class).asEagerSingleton();

    Multibinder<ManagedService> parts = Multibinder.newSetBinder(binder(), ManagedService.class);
    parts.addBinding().to(ConfigStore.class);
    parts.addBinding().to(HistoryPurge.class);
    parts.addBinding().to(WatchHub.class);
    parts.addBinding().to(ServingWhenStarted.class);
    Multibinder.newSetBinder(binder(), LongLivedStreams.class).addBinding().to(WatchHub.class);
  }

  @ProvidesIntoSet
  ServerServiceDefinition configService(ConfigServiceImpl service) {
    return service.definition();
  }

  /** Reads for the operator and the applications in the configuration; writes and maintenance for the operator. */
  @ProvidesIntoSet
  AccessPolicy configPolicy(ConfigStore store) {
    AccessRule readers = AccessRule.of("operator, applications in the configuration",
        identity -> identity.equals(AccessRule.OPERATOR) || store.isApplication(identity));
    AccessRule operator = AccessRule.only(AccessRule.OPERATOR);
    return AccessPolicy.forService(ConfigServiceGrpc.getServiceDescriptor())
        .allow("GetObject", readers)
        .allow("ListObjects", readers)
        .allow("Watch", readers, ConnectionQuota.WATCHES)
        .allow("GetHistoryInfo", readers)
        .allow("CreateObject", operator)
        .allow("UpdateObject", operator)
        .allow("DeleteObject", operator)
        .allow("SetOption", operator)
        .allow("ApplyObjects", operator)
        .allow("ExpireHistory", operator)
        .allow("DropSessions", operator)
        .build();
  }
}
