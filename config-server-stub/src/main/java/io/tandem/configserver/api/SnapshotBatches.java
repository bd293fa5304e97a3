package io.tandem.configserver.api;

import com.google.protobuf.CodedOutputStream;
import io.tandem.config.v1.ObjectBatch;
import io.tandem.configserver.store.StoredObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A listing cut into {@code tandem.config.v1.ObjectBatch} messages, encoded from the objects'
 * kept encodings: the bytes are exactly those of the message built and serialized field by field
 * (protobuf writes a message field as its tag, its length and its encoding), without encoding any
 * object again. A batch closes at {@code batchSize} objects or {@code maxBytes} of them, whichever
 * comes first (a larger object goes alone); the last carries the trailer. Not thread-safe: one
 * per snapshot stream.
 */
final class SnapshotBatches {
  private final List<StoredObject> objects;
  private final long consistentAt;
  private final int batchSize;
  private final long maxBytes;
  private int next;
  private boolean done;

  SnapshotBatches(List<StoredObject> objects, long consistentAt, int batchSize, long maxBytes) {
    this.objects = objects;
    this.consistentAt = consistentAt;
    this.batchSize = batchSize;
    this.maxBytes = maxBytes;
  }

  boolean hasNext() {
    return !done;
  }

  /** The next batch's encoding. */
  byte[] next() {
    int from = next;
    long bytes = 0;
    int size = 0;
    while (next < objects.size() && next - from < batchSize) {
      int length = objects.get(next).encoded().length;
      if (next > from && bytes + length > maxBytes) {
        break;
      }
      bytes += length;
      size += CodedOutputStream.computeByteArraySize(ObjectBatch.OBJECTS_FIELD_NUMBER, objects.get(next).encoded());
      next++;
    }
    done = next == objects.size();
    if (done) {
      size += CodedOutputStream.computeBoolSize(ObjectBatch.LAST_FIELD_NUMBER, true)
          + (consistentAt == 0 ? 0 : CodedOutputStream.computeInt64Size(ObjectBatch.CONSISTENT_AT_EVENT_ID_FIELD_NUMBER,
              consistentAt))
          + (objects.isEmpty() ? 0 : CodedOutputStream.computeInt64Size(ObjectBatch.TOTAL_OBJECTS_FIELD_NUMBER,
              objects.size()));
    }
    byte[] batch = new byte[size];
    CodedOutputStream out = CodedOutputStream.newInstance(batch);
    try {
      for (int i = from; i < next; i++) {
        out.writeByteArray(ObjectBatch.OBJECTS_FIELD_NUMBER, objects.get(i).encoded());
      }
      if (done) {
        out.writeBool(ObjectBatch.LAST_FIELD_NUMBER, true);
        if (consistentAt != 0) {
          out.writeInt64(ObjectBatch.CONSISTENT_AT_EVENT_ID_FIELD_NUMBER, consistentAt);
        }
        if (!objects.isEmpty()) {
          out.writeInt64(ObjectBatch.TOTAL_OBJECTS_FIELD_NUMBER, objects.size());
        }
      }
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array of the computed size cannot run out
    }
    return batch;
  }

  /** Objects sent so far. */
  int sent() {
    return next;
  }
}
