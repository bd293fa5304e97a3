package io.tandem.common.config;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tandem.common.grpc.AddressRotation;
import io.tandem.common.grpc.Channels;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TransportSecurity;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.HistoryLogExpired;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ObjectType;
import io.tandem.protocol.link.HostPort;
import io.tandem.protocol.log.LogEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * The Config Server as a list of replicas — Config Servers over one etcd store, which serve the
 * same objects under the same event ids — read one at a time. Calls go to the current replica;
 * when it fails (a broken watch, a read it cannot answer) the next in the list becomes current,
 * so the caller's next attempt, paced by its own backoff, restores the session there from its
 * last event id, without a reload. With one address it is a plain {@link ConfigSession}.
 */
public final class ConfigReplicas implements ConfigSource, AutoCloseable {
  /** One replica: its address and the session over its own channel. */
  public record Replica(HostPort address, ConfigSource source, ManagedChannel channel) {}

  private final List<Replica> replicas;
  private final AddressRotation rotation;

  public ConfigReplicas(List<Replica> replicas, String clientName) {
    if (replicas.isEmpty()) {
      throw new IllegalArgumentException("--config-server: give at least one address");
    }
    this.replicas = List.copyOf(replicas);
    this.rotation = new AddressRotation(replicas.stream().map(Replica::address).toList(),
        LogEvent.CONFIG_REPLICA_CHANGED, clientName);
  }

  /** Sessions with every address of {@code addresses}, each over a channel of its own. */
  public static ConfigReplicas open(List<HostPort> addresses, ServerIdentity identity, TransportSecurity security,
      String clientName) {
    List<Replica> replicas = new ArrayList<>();
    for (HostPort address : addresses) {
      ManagedChannel channel = Channels.openForNonBlockingCallbacks(address, identity, security);
      replicas.add(new Replica(address, new ConfigSession(channel, clientName), channel));
    }
    return new ConfigReplicas(replicas, clientName);
  }

  /** The replica calls go to now. */
  public HostPort current() {
    return replicas.get(rotation.current()).address();
  }

  @Override
  public void snapshotBatches(Set<ObjectType> types, Consumer<byte[]> batches, Duration deadline) {
    int used = rotation.current();
    try {
      replicas.get(used).source().snapshotBatches(types, batches, deadline);
    } catch (StatusRuntimeException e) {
      failed(used, e.getStatus());
      throw e;
    }
  }

  @Override
  public ConfigObject get(ObjectType type, String name, Duration deadline) {
    int used = rotation.current();
    try {
      return replicas.get(used).source().get(type, name, deadline);
    } catch (StatusRuntimeException e) {
      failed(used, e.getStatus());
      throw e;
    }
  }

  @Override
  public ConfigSession.Watch watch(long afterEventId, ConfigSession.WatchListener listener,
      ScheduledExecutorService timer) {
    int used = rotation.current();
    return replicas.get(used).source().watch(afterEventId, new ConfigSession.WatchListener() {
      @Override
      public void onChanges(List<ChangeEvent> events, boolean replay) {
        listener.onChanges(events, replay);
      }

      @Override
      public void onProgress(long headEventId) {
        listener.onProgress(headEventId);
      }

      @Override
      public void onExpired(HistoryLogExpired expired) {
        listener.onExpired(expired);
      }

      @Override
      public void onBroken(Status status) {
        failed(used, status);
        listener.onBroken(status);
      }
    }, timer);
  }

  /**
   * The replica at {@code used} failed: the next one becomes current, unless another failure
   * moved on already. An answer the replica gave (not found, refused) is no failure of it.
   */
  private void failed(int used, Status status) {
    if (replicaTrouble(status.getCode())) {
      rotation.failed(used, status);
    }
  }

  private static boolean replicaTrouble(Status.Code code) {
    return switch (code) {
      case UNAVAILABLE, DEADLINE_EXCEEDED, UNKNOWN, INTERNAL, ABORTED, RESOURCE_EXHAUSTED -> true;
      default -> false;
    };
  }

  @Override
  public void close() {
    for (Replica replica : replicas) {
      Channels.close(replica.channel(), Duration.ofSeconds(1));
    }
  }
}
