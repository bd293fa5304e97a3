package io.tandem.common.config;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectBatch;
import io.tandem.config.v1.ObjectType;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Where a follower of the configuration reads it from: a snapshot, single objects, and a watch
 * from an event id. {@link ConfigSession} is the Config Server over gRPC; tests give followers a
 * fake one.
 */
public interface ConfigSource {
  /**
   * The snapshot's batches as they came over the wire ({@code tandem.config.v1.ObjectBatch}
   * encodings, in order, the last one marked {@code last}), for a reader that decodes only what
   * it needs. The caller checks the stream was whole ({@link #checkWhole}).
   *
   * @throws io.grpc.StatusRuntimeException if the read fails; what reached {@code batches} is then incomplete
   */
  void snapshotBatches(Set<ObjectType> types, Consumer<byte[]> batches, Duration deadline);

  /**
   * Reads every object of {@code types} (all when empty) into {@code sink} and returns the event id
   * the snapshot is consistent at.
   *
   * @throws io.grpc.StatusRuntimeException if the read fails; what reached the sink is then incomplete
   */
  default long snapshot(Set<ObjectType> types, Consumer<ConfigObject> sink, Duration deadline) {
    AtomicLong received = new AtomicLong();
    ObjectBatch[] last = new ObjectBatch[1];
    snapshotBatches(types, bytes -> {
      ObjectBatch batch;
      try {
        batch = ObjectBatch.parseFrom(bytes);
      } catch (InvalidProtocolBufferException e) {
        throw Status.INTERNAL.withDescription("snapshot batch unreadable: " + e.getMessage()).asRuntimeException();
      }
      batch.getObjectsList().forEach(sink);
      received.addAndGet(batch.getObjectsCount());
      if (batch.getLast()) {
        last[0] = batch;
      }
    }, deadline);
    checkWhole(last[0] != null, last[0] == null ? 0 : last[0].getTotalObjects(), received.get());
    return last[0].getConsistentAtEventId();
  }

  /** Reads one object. */
  ConfigObject get(ObjectType type, String name, Duration deadline);

  /** Restores the session after {@code afterEventId}; the listener hears everything from now on. */
  ConfigSession.Watch watch(long afterEventId, ConfigSession.WatchListener listener, ScheduledExecutorService timer);

  /**
   * A snapshot stream is whole when its last batch came and announced as many objects as arrived.
   *
   * @throws io.grpc.StatusRuntimeException UNAVAILABLE without the last batch, INTERNAL on a count that does not add up
   */
  static void checkWhole(boolean lastSeen, long announced, long received) {
    if (!lastSeen) {
      throw Status.UNAVAILABLE.withDescription("snapshot stream ended without its last batch").asRuntimeException();
    }
    if (announced != received) {
      throw Status.INTERNAL.withDescription("snapshot announced " + announced + " objects, " + received + " arrived")
          .asRuntimeException();
    }
  }
}
