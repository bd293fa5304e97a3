package io.tandem.common.config;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tandem.common.concurrent.Scheduled;
import io.tandem.common.retry.Backoff;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ChangeKind;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.HistoryLogExpired;
import io.tandem.config.v1.ObjectType;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mirror of the objects of one type, by name, kept current: list, then watch from the listing's event id;
 * on a broken watch resume from the last event seen (with backoff); relist only when the
 * history has expired. The shape of Kubernetes' reflector. For followers that can afford to
 * relist at any moment; the Stat Server, whose reloads are decided, drives
 * its {@link ConfigSource} itself.
 */
public final class ConfigReflector implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigReflector.class);
  private static final Duration SNAPSHOT_DEADLINE = Duration.ofSeconds(60);

  /** Told the whole mirror after every change. */
  public interface Listener {
    void onUpdate(Map<String, ConfigObject> objectsByName, long eventId);
  }

  private final ConfigSource session;
  private final ObjectType type;
  private final Listener listener;
  private final ScheduledExecutorService executor;
  private final Backoff backoff = new Backoff(Backoff.Policy.RECONNECT);
  private final Map<String, ConfigObject> objects = new HashMap<>();
  private long eventId = -1;
  private ConfigSession.Watch watch;
  private boolean closed;
  /** Since when the Config Server has not answered (down until the first listing); null while it does. */
  private volatile Instant downSince = Instant.now();

  /**
   * @param source the Config Server ({@link ConfigSession}; tests give a fake one)
   * @param executor runs the reflector's work and its listener calls, one at a time
   */
  public ConfigReflector(ConfigSource source, ObjectType type, Listener listener, ScheduledExecutorService executor) {
    this.session = source;
    this.type = type;
    this.listener = listener;
    this.executor = executor;
  }

  /** Since when the Config Server has not answered (its watch broken, a listing failing); empty while it does. */
  public Optional<Instant> downSince() {
    return Optional.ofNullable(downSince);
  }

  public void start() {
    executor.execute(this::connect);
  }

  @Override
  public void close() {
    executor.execute(() -> {
      closed = true;
      if (watch != null) {
        watch.cancel();
      }
    });
  }

  private void connect() {
    if (closed) {
      return;
    }
    try {
      if (eventId < 0) {
        Map<String, ConfigObject> listed = new HashMap<>();
        eventId = session.snapshot(Set.of(type), o -> listed.put(o.getName(), o), SNAPSHOT_DEADLINE);
        downSince = null;
        objects.clear();
        objects.putAll(listed);
        listener.onUpdate(Map.copyOf(objects), eventId);
      }
      long from = eventId;
      watch = session.watch(from, new ConfigSession.WatchListener() {
        @Override
        public void onChanges(List<ChangeEvent> events, boolean replay) {
          executor.execute(() -> apply(events));
        }

        @Override
        public void onProgress(long head) {
          executor.execute(() -> {
            downSince = null;
            backoff.reset();
          });
        }

        @Override
        public void onExpired(HistoryLogExpired expired) {
          executor.execute(() -> {
            LOG.info("configuration history expired after {} ({}); listing again", expired.getRequestedAfterEventId(),
                expired.getReason());
            eventId = -1;
            connect();
          });
        }

        @Override
        public void onBroken(Status status) {
          executor.execute(() -> retry(status));
        }
      }, executor);
    } catch (StatusRuntimeException e) {
      retry(e.getStatus());
    }
  }

  private void apply(List<ChangeEvent> events) {
    if (closed) {
      return;
    }
    backoff.reset();
    for (ChangeEvent event : events) {
      ConfigObject object = event.getObject();
      if (object.getType() == type) {
        if (event.getKind() == ChangeKind.DELETED) {
          objects.remove(object.getName());
        } else {
          objects.put(object.getName(), object);
        }
      }
      eventId = event.getEventId();
    }
    listener.onUpdate(Map.copyOf(objects), eventId);
  }

  private void retry(Status status) {
    if (closed) {
      return;
    }
    if (downSince == null) {
      downSince = Instant.now();
    }
    Duration delay = backoff.nextDelay();
    LOG.info("configuration watch unavailable ({}: {}); retrying in {} ms", status.getCode(), status.getDescription(),
        delay.toMillis());
    Scheduled.after(executor, "connect configuration watch", delay, this::connect);
  }
}
