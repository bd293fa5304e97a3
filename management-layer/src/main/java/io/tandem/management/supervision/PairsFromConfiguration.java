package io.tandem.management.supervision;

import io.tandem.common.config.ConfigReplicas;
import io.tandem.common.bootstrap.HealthState;
import io.tandem.common.bootstrap.Link;
import io.tandem.common.bootstrap.ManagedService;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.config.ConfigReflector;
import io.tandem.protocol.options.OptionReader;
import io.tandem.common.security.TransportSecurity;
import io.tandem.config.v1.Application;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import io.tandem.management.settings.ManagementSettings;
import io.tandem.management.leader.LeaderLease;
import io.tandem.protocol.options.OptionCatalogue;
import io.tandem.protocol.redundancy.RedundancySettings;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Follows the Applications in the Config Server: their {@code backup} fields are the pairs, and
 * this Management Layer's own Application carries its options. Health turns SERVING once the
 * first configuration is in: before that the Management Layer cannot tell who is who.
 */
public final class PairsFromConfiguration implements ManagedService {
  private final ManagementSettings settings;
  private final RedundancyLoop loop;
  private final HealthState health;
  private final OptionReader options;
  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("config-follower"));
  private final TransportSecurity security;
  /** The Applications in the configuration now: who may read the pairs. */
  private volatile Set<String> applications = Set.of();
  private ConfigReplicas replicas;
  private volatile ConfigReflector reflector;
  private final Instant started = Instant.now();
  private final LeaderLease leaderLease;

  @Inject
  public PairsFromConfiguration(ManagementSettings settings, RedundancyLoop loop, HealthState health,
      TransportSecurity security, LeaderLease leaderLease) {
    this.settings = settings;
    this.leaderLease = leaderLease;
    this.security = security;
    this.loop = loop;
    this.health = health;
    this.options = new OptionReader(settings.application());
  }

  @Override
  public void start() {
    replicas = ConfigReplicas.open(settings.configServers(), settings.configServerIdentity(), security,
        settings.application());
    reflector = new ConfigReflector(replicas, ObjectType.APPLICATION,
        this::update, executor);
    reflector.start();
  }

  @Override
  public void stop() {
    if (reflector != null) {
      reflector.close();
    }
    executor.shutdown();
    if (replicas != null) {
      replicas.close();
    }
  }

  @Override
  public String name() {
    return "configuration follower";
  }

  /** The link to the Config Server the pairs come from, for the status file. */
  public Link configServerLink() {
    return new Link() {
      @Override
      public String name() {
        return "config-server";
      }

      @Override
      public Optional<Instant> downSince() {
        return reflector == null ? Optional.of(started) : reflector.downSince();
      }
    };
  }

  /** Whether {@code name} is an Application in the configuration the pairs come from. */
  public boolean isApplication(String name) {
    return applications.contains(name);
  }

  private void update(Map<String, ConfigObject> applications, long eventId) {
    this.applications = Set.copyOf(applications.keySet());
    Map<String, String> backupOf = new HashMap<>();
    applications.forEach((name, app) -> backupOf.put(name, app.getApplication().getBackup()));
    ConfigObject own = applications.get(settings.application());
    Map<String, Map<String, String>> sections = new HashMap<>();
    if (own != null) {
      Application app = own.getApplication();
      app.getOptionsMap().forEach((section, values) -> sections.put(section, values.getValuesMap()));
    }
    RedundancySettings redundancy = RedundancySettings.read(options, sections);
    loop.execute(() -> {
      loop.configure(backupOf, redundancy);
      health.set(true, "configuration loaded (event " + eventId + ")");
    });
    // After the pairs are queued: no campaign starts before the lease is known, so a leader elected
    // on the first configuration finds the pairs formed when it reads what its predecessor kept.
    leaderLease.set(options.read(OptionCatalogue.LEADER_LEASE, sections));
  }
}
