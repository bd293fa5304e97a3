package io.tandem.etcd;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * The key-value calls Tandem makes of etcd, each with a deadline and etcd's "require a leader"
 * header: a member cut off from its quorum refuses at once ({@code etcdserver: no leader})
 * instead of holding the call until the deadline, so the next attempt can go to a member that
 * still has one.
 */
public final class EtcdKv {
  /** etcd's header asking a member to refuse calls while it has no leader (clientv3.WithRequireLeader). */
  public static final Metadata REQUIRE_LEADER = requireLeader();

  private final KVGrpc.KVBlockingStub stub;
  private final LongConsumer roundTrip;

  /** @param roundTrip told how long each call took (ns) */
  public EtcdKv(Channel channel, LongConsumer roundTrip) {
    this.stub = KVGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(REQUIRE_LEADER));
    this.roundTrip = roundTrip;
  }

  public TxnResponse txn(TxnRequest request, Duration deadline) {
    return timed(() -> stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS).txn(request));
  }

  public RangeResponse range(RangeRequest request, Duration deadline) {
    return timed(() -> stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS).range(request));
  }

  public void put(PutRequest request, Duration deadline) {
    timed(() -> stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS).put(request));
  }

  public void deleteRange(DeleteRangeRequest request, Duration deadline) {
    timed(() -> stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS).deleteRange(request));
  }

  public void compact(long revision, Duration deadline) {
    timed(() -> stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)
        .compact(CompactionRequest.newBuilder().setRevision(revision).build()));
  }

  private <T> T timed(Supplier<T> call) {
    long begin = System.nanoTime();
    try {
      return call.get();
    } finally {
      roundTrip.accept(System.nanoTime() - begin);
    }
  }

  /** Whether etcd refused because a compaction removed the revision asked for. */
  public static boolean compacted(StatusRuntimeException e) {
    return String.valueOf(e.getStatus().getDescription()).contains("required revision has been compacted");
  }

  /** Whether etcd refused the request as larger than its --max-request-bytes. */
  public static boolean tooLarge(StatusRuntimeException e) {
    String description = String.valueOf(e.getStatus().getDescription());
    return description.contains("request is too large") || (e.getStatus().getCode() == io.grpc.Status.Code.RESOURCE_EXHAUSTED
        && description.contains("message larger than max"));
  }

  private static Metadata requireLeader() {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER), "true");
    return headers;
  }

  /** The first key after every key starting with {@code prefix}: a range's end. */
  public static ByteString prefixEnd(ByteString prefix) {
    byte[] end = prefix.toByteArray();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return ByteString.copyFrom(end, 0, i + 1);
      }
    }
    return ByteString.copyFrom(new byte[] {0}); // every key
  }
}
