package io.tandem.common.testing;

import io.grpc.Status;
import io.tandem.common.config.ConfigSession;
import io.tandem.common.config.ConfigSource;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ChangeKind;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.HistoryLogExpired;
import io.tandem.config.v1.ObjectBatch;
import io.tandem.config.v1.ObjectType;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A Config Server session scripted by the test, for followers of the configuration (client-go's
 * fake-watcher style): it holds objects and a head, serves snapshots of them (or fails the next
 * ones as told), and every watch it opens is a {@link FakeWatch} that the test drives — changes,
 * progress, expiry, a broken stream — on the test's own thread, as gRPC's threads would.
 */
public final class FakeConfigSource implements ConfigSource {
  private final Map<String, ConfigObject> objects = new LinkedHashMap<>();
  private long head;
  /** What the next snapshots throw, in order (then they succeed). */
  private final Queue<Throwable> snapshotFailures = new ConcurrentLinkedQueue<>();
  private final AtomicInteger snapshots = new AtomicInteger();
  private final List<FakeWatch> watches = new CopyOnWriteArrayList<>();

  /** One watch opened by the follower. */
  public final class FakeWatch implements ConfigSession.Watch {
    public final long after;
    private final ConfigSession.WatchListener listener;
    private volatile boolean cancelled;

    private FakeWatch(long after, ConfigSession.WatchListener listener) {
      this.after = after;
      this.listener = listener;
    }

    @Override
    public void cancel() {
      cancelled = true;
    }

    public boolean cancelled() {
      return cancelled;
    }

    /** The follower hears {@code events} (made by {@link #change}). */
    public FakeWatch changes(List<ChangeEvent> events, boolean replay) {
      listener.onChanges(events, replay);
      return this;
    }

    /** Caught up at the source's head. */
    public FakeWatch progress() {
      listener.onProgress(head());
      return this;
    }

    /** The follower's position is gone from the history log. */
    public void expire() {
      listener.onExpired(HistoryLogExpired.newBuilder().setRequestedAfterEventId(after).setHeadEventId(head())
          .setOldestRetainedEventId(head()).setReason("history emptied").build());
    }

    /** The stream breaks. */
    public void broken(Status status) {
      listener.onBroken(status);
    }
  }

  /** Adds or replaces {@code object} without an event (what the next snapshot holds). */
  public synchronized FakeConfigSource put(ConfigObject object) {
    objects.put(key(object.getType(), object.getName()), object);
    return this;
  }

  /** Makes one change: the object is written (or deleted), the head moves on; the event to deliver. */
  public synchronized ChangeEvent change(ChangeKind kind, ConfigObject object) {
    if (kind == ChangeKind.DELETED) {
      objects.remove(key(object.getType(), object.getName()));
    } else {
      objects.put(key(object.getType(), object.getName()), object);
    }
    return ChangeEvent.newBuilder().setEventId(++head).setKind(kind).setObject(object).build();
  }

  public synchronized long head() {
    return head;
  }

  public synchronized void setHead(long eventId) {
    head = eventId;
  }

  /** The next snapshot throws {@code failure} (each call adds one more). */
  public FakeConfigSource failNextSnapshot(Throwable failure) {
    snapshotFailures.add(failure);
    return this;
  }

  /** Snapshots served or failed so far. */
  public int snapshots() {
    return snapshots.get();
  }

  public List<FakeWatch> watches() {
    return List.copyOf(watches);
  }

  /** The watch opened last. */
  public FakeWatch lastWatch() {
    return watches.get(watches.size() - 1);
  }

  /** Objects per batch of its snapshots: small, so a snapshot of a few objects is several batches. */
  private static final int BATCH = 2;

  @Override
  public void snapshotBatches(Set<ObjectType> types, Consumer<byte[]> batches, Duration deadline) {
    snapshots.incrementAndGet();
    Throwable failure = snapshotFailures.poll();
    if (failure instanceof RuntimeException runtime) {
      throw runtime;
    }
    if (failure instanceof Error error) {
      throw error;
    }
    List<ConfigObject> copy;
    long at;
    synchronized (this) {
      copy = objects.values().stream().filter(o -> types.isEmpty() || types.contains(o.getType())).toList();
      at = head;
    }
    for (int from = 0; from == 0 || from < copy.size(); from += BATCH) {
      ObjectBatch.Builder batch = ObjectBatch.newBuilder().addAllObjects(copy.subList(from, Math.min(copy.size(),
          from + BATCH)));
      if (from + BATCH >= copy.size()) {
        batch.setLast(true).setConsistentAtEventId(at).setTotalObjects(copy.size());
      }
      batches.accept(batch.build().toByteArray());
    }
  }

  @Override
  public synchronized ConfigObject get(ObjectType type, String name, Duration deadline) {
    ConfigObject object = objects.get(key(type, name));
    if (object == null) {
      throw Status.NOT_FOUND.withDescription("no " + type + " named '" + name + "'").asRuntimeException();
    }
    return object;
  }

  @Override
  public ConfigSession.Watch watch(long afterEventId, ConfigSession.WatchListener listener,
      ScheduledExecutorService timer) {
    FakeWatch watch = new FakeWatch(afterEventId, listener);
    watches.add(watch);
    return watch;
  }

  private static String key(ObjectType type, String name) {
    return type + "/" + name;
  }
}
