package io.tandem.management.leader;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.etcd.EtcdKv;
import io.tandem.management.ledger.PairMemories;
import io.tandem.management.v1.PairMemory;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pairs' state in etcd: one key per pair under {@code management/pairs/}, written by a
 * transaction guarded by the leader key's creation revision, as the epoch ledger's, so a deposed
 * leader overwrites nothing its successor kept. Written on a thread of its own: the redundancy
 * loop never waits for etcd to keep what it already decided.
 */
public final class EtcdPairMemories implements PairMemories {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdPairMemories.class);

  private final EtcdKv kv;
  private final ByteString prefix;
  private final ByteString leaderKey;
  private final Duration callTimeout;
  private final ExecutorService writer =
      Executors.newSingleThreadExecutor(new DaemonThreadFactory("pair-memories"));

  public EtcdPairMemories(Channel channel, ByteString prefix, ByteString leaderKey, Duration callTimeout) {
    this.kv = new EtcdKv(channel, nanos -> { });
    this.prefix = prefix;
    this.leaderKey = leaderKey;
    this.callTimeout = callTimeout;
  }

  @Override
  public Map<String, PairMemory> read() {
    long begin = System.nanoTime();
    Map<String, PairMemory> kept = new TreeMap<>();
    for (KeyValue entry : kv.range(RangeRequest.newBuilder().setKey(prefix).setRangeEnd(EtcdKv.prefixEnd(prefix))
        .build(), callTimeout).getKvsList()) {
      String pair = entry.getKey().substring(prefix.size()).toString(StandardCharsets.UTF_8);
      try {
        kept.put(pair, PairMemory.parseFrom(entry.getValue()));
      } catch (InvalidProtocolBufferException e) {
        EventLog.emit(LOG, LogEvent.PAIR_STATE_UNAVAILABLE, "pair", pair, "reason",
            "its key holds no pair state (" + e.getMessage() + "); the pair is decided from the hellos");
      }
    }
    EventLog.emit(LOG, LogEvent.PAIR_STATE_READ, "pairs", kept.size(), "ms", (System.nanoTime() - begin) / 1_000_000);
    return kept;
  }

  @Override
  public void keep(String pair, PairMemory memory, long leadership) {
    writer.execute(() -> write(pair, memory, leadership));
  }

  private void write(String pair, PairMemory memory, long leadership) {
    String reason;
    try {
      boolean written = kv.txn(TxnRequest.newBuilder()
          .addCompare(Compare.newBuilder().setKey(leaderKey).setTarget(Compare.CompareTarget.CREATE)
              .setResult(Compare.CompareResult.EQUAL).setCreateRevision(leadership))
          .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
              .setKey(prefix.concat(ByteString.copyFromUtf8(pair))).setValue(memory.toByteString())))
          .build(), callTimeout).getSucceeded();
      if (written) {
        return;
      }
      reason = "the leader key is no longer this Management Layer's (revision " + leadership + ")";
    } catch (StatusRuntimeException e) {
      reason = "etcd did not answer: " + e.getStatus();
    }
    EventLog.emit(LOG, LogEvent.PAIR_STATE_UNAVAILABLE, "pair", pair, "reason", reason);
  }
}
