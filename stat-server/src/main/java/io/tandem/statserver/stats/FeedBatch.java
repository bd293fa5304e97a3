package io.tandem.statserver.stats;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.tandem.common.grpc.MessageLimits;
import io.tandem.stat.v1.EventBatch;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A fed {@link EventBatch} as it came off the wire: kept as its bytes until the engine thread
 * applies it, and parsed then. Parsed, a batch takes many times its wire size (an empty event
 * is 2 bytes on the wire and 64 in the heap, a 48-byte event 221), so holding batches
 * as received is what lets the server's feed budget say what they take: their bytes, and a
 * little bookkeeping ({@link #cost}).
 */
public final class FeedBatch {
  /**
   * What a batch held as received takes beyond its bytes, at most: this object and what carries
   * it to the engine thread and holds it during a reload.
   */
  static final long BOOKKEEPING_BYTES = 1024;
  /** What the largest batch the client port accepts costs once received. */
  static final long LARGEST_COST = MessageLimits.MAX_FEED_BATCH_BYTES + BOOKKEEPING_BYTES;

  /** The Feed method's request marshaller on the server: batches are read as {@link FeedBatch}es. */
  public static final MethodDescriptor.Marshaller<FeedBatch> MARSHALLER = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(FeedBatch batch) {
      return new ByteArrayInputStream(batch.bytes);
    }

    @Override
    public FeedBatch parse(InputStream stream) {
      try {
        return new FeedBatch(stream instanceof KnownLength ? stream.readNBytes(stream.available())
            : stream.readAllBytes());
      } catch (IOException e) {
        throw Status.INTERNAL.withDescription("Feed batch unreadable: " + e.getMessage()).withCause(e)
            .asRuntimeException();
      }
    }
  };

  private final byte[] bytes;

  /** The batch encoded in {@code bytes}, as received: nothing of it is parsed until it is applied. */
  public FeedBatch(byte[] bytes) {
    this.bytes = bytes;
  }

  /** What it takes in memory while it waits to be applied, as the feed budget counts it. */
  long cost() {
    return bytes.length + BOOKKEEPING_BYTES;
  }

  /** Its events, parsed (on the engine thread, as it is applied). */
  EventBatch parse() throws InvalidProtocolBufferException {
    return EventBatch.parseFrom(bytes);
  }
}
