package io.tandem.management.leader;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pairs' state in etcd: one key per pair under {@code management/pairs/}, written by a
 * transaction guarded by the leader key's creation revision, as the epoch ledger's, so a deposed
 * leader overwrites nothing its successor kept. Written on a thread of its own, the latest state
 * of each pair only, again each {@link #RETRY} while etcd does not answer: the redundancy loop
 * never waits for etcd to keep what it already decided. A stopping leader writes what is left
 * before it hands over its lease ({@link #close}).
 */
public final class EtcdPairMemories implements PairMemories {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdPairMemories.class);
  static final Duration RETRY = Duration.ofSeconds(1);

  /** The latest state handed over for a pair, not yet written; {@code told}: its failure was logged. */
  private static final class Pending {
    final PairMemory memory;
    final long leadership;
    boolean told;

    Pending(PairMemory memory, long leadership) {
      this.memory = memory;
      this.leadership = leadership;
    }
  }

  private final EtcdKv kv;
  private final ByteString prefix;
  private final ByteString leaderKey;
  private final Duration callTimeout;
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final ScheduledThreadPoolExecutor writer =
      new ScheduledThreadPoolExecutor(1, new DaemonThreadFactory("pair-memories"));

  public EtcdPairMemories(Channel channel, ByteString prefix, ByteString leaderKey, Duration callTimeout) {
    this.kv = new EtcdKv(channel, nanos -> { });
    this.prefix = prefix;
    this.leaderKey = leaderKey;
    this.callTimeout = callTimeout;
    writer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
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
    pending.put(pair, new Pending(memory, leadership));
    try {
      writer.execute(() -> write(pair));
    } catch (RejectedExecutionException stopping) {
      EventLog.emit(LOG, LogEvent.PAIR_STATE_UNAVAILABLE, "pair", pair, "reason",
          "not written: this Management Layer is stopping");
    }
  }

  /** Writer thread. Writes the latest state of {@code pair}, if any is left; again later while etcd does not answer. */
  private void write(String pair) {
    Pending latest = pending.get(pair);
    if (latest == null) {
      return;
    }
    try {
      boolean written = kv.txn(TxnRequest.newBuilder()
          .addCompare(ManagementKeys.stillLeading(leaderKey, latest.leadership))
          .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
              .setKey(prefix.concat(ByteString.copyFromUtf8(pair))).setValue(latest.memory.toByteString())))
          .build(), callTimeout).getSucceeded();
      pending.remove(pair, latest);
      if (!written) {
        EventLog.emit(LOG, LogEvent.PAIR_STATE_UNAVAILABLE, "pair", pair, "reason",
            "not written: the leader key is no longer this Management Layer's (revision " + latest.leadership + ")");
      }
    } catch (StatusRuntimeException e) {
      if (!latest.told) {
        latest.told = true;
        EventLog.emit(LOG, LogEvent.PAIR_STATE_UNAVAILABLE, "pair", pair, "reason",
            "not written yet: etcd did not answer (" + e.getStatus() + "); trying again every " + RETRY.toMillis() + " ms");
      }
      if (!writer.isShutdown()) { // stopping: close() wrote what it could
        var unused = writer.schedule(() -> write(pair), RETRY.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  /** Writes what is left, once each, within {@code within}: before a stopping leader hands over its lease. */
  public void close(Duration within) throws InterruptedException {
    writer.execute(() -> pending.keySet().forEach(this::write));
    writer.shutdown();
    if (!writer.awaitTermination(within.toMillis(), TimeUnit.MILLISECONDS)) {
      writer.shutdownNow();
    }
  }
}
