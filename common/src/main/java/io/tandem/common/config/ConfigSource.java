package io.tandem.common.config;

import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * Where a follower of the configuration reads it from: a snapshot, single objects, and a watch
 * from an event id. {@link ConfigSession} is the Config Server over gRPC; tests give followers a
 * fake one.
 */
public interface ConfigSource {
  /**
   * Reads every object of {@code types} (all when empty) into {@code sink} and returns the event id
   * the snapshot is consistent at.
   *
   * @throws io.grpc.StatusRuntimeException if the read fails; what reached the sink is then incomplete
   */
  long snapshot(Set<ObjectType> types, Consumer<ConfigObject> sink, Duration deadline);

  /** Reads one object. */
  ConfigObject get(ObjectType type, String name, Duration deadline);

  /** Restores the session after {@code afterEventId}; the listener hears everything from now on. */
  ConfigSession.Watch watch(long afterEventId, ConfigSession.WatchListener listener, ScheduledExecutorService timer);
}
