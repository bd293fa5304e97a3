package io.tandem.configserver.etcd;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.StatusRuntimeException;
import io.tandem.etcd.EtcdKv;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.security.RandomIds;
import io.tandem.configserver.etcd.format.EtcdCheckpoint;
import io.tandem.configserver.journal.format.JournalCheckpoint;
import io.tandem.configserver.store.StoreLock;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints of the store in etcd: the whole store as of one event id, in parts of at most
 * {@link #PART_BYTES}, then one small key naming them. Once a checkpoint is current the log
 * entries it holds are deleted and etcd is compacted up to the previous checkpoint's revision,
 * so etcd keeps about one checkpoint interval of history: a Config Server further behind than
 * that (frozen, cut off) starts its follow again from the checkpoint.
 *
 * <p>Whoever commits the write that makes one due writes it, on a thread of its own; two
 * writing at once cannot both make theirs current (the naming key is compared by revision).
 */
final class EtcdCheckpoints {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdCheckpoints.class);
  static final int PART_BYTES = 1024 * 1024;
  /** Parts read per request: a response holds at most this many MiB. */
  private static final int PARTS_PER_READ = 8;

  private final EtcdKv kv;
  private final EtcdKeys keys;
  private final Duration timeout;
  private final StoreLock storeLock;
  private final ExecutorService writer = Executors.newSingleThreadExecutor(new DaemonThreadFactory("etcd-checkpoint"));
  /** The current checkpoint as this process last saw it; store lock. */
  private EtcdCheckpoint current = EtcdCheckpoint.getDefaultInstance();
  /** The naming key's revision when it named {@link #current}; 0 while no checkpoint exists. Store lock. */
  private long currentRevision;
  private boolean inFlight;
  private boolean stopping;

  /** The checkpoint current at {@code revision} (if any), read at that revision. */
  record Found(Optional<JournalCheckpoint> checkpoint, long revision) {}

  EtcdCheckpoints(EtcdKv kv, EtcdKeys keys, Duration timeout, StoreLock storeLock) {
    this.kv = kv;
    this.keys = keys;
    this.timeout = timeout;
    this.storeLock = storeLock;
  }

  /**
   * The current checkpoint and the revision it was read at: every later read of a load uses that
   * revision, so the checkpoint and the log entries after it are one consistent cut.
   *
   * @throws StatusRuntimeException from etcd, a compaction of that revision included (read again)
   */
  Found readCurrent() {
    RangeResponse naming = kv.range(RangeRequest.newBuilder().setKey(keys.checkpoint()).build(), timeout);
    long revision = naming.getHeader().getRevision();
    if (naming.getKvsCount() == 0) {
      return new Found(Optional.empty(), revision);
    }
    KeyValue found = naming.getKvs(0);
    EtcdCheckpoint pointer = parse(found.getValue());
    ByteString content = ByteString.EMPTY;
    ByteString from = keys.checkpointParts(pointer.getHeadEventId(), pointer.getId());
    ByteString end = EtcdKv.prefixEnd(from);
    int parts = 0;
    while (true) {
      RangeResponse page = kv.range(RangeRequest.newBuilder().setKey(from).setRangeEnd(end).setRevision(revision)
          .setLimit(PARTS_PER_READ).build(), timeout);
      for (KeyValue part : page.getKvsList()) {
        content = content.concat(part.getValue());
        parts++;
      }
      if (!page.getMore() || page.getKvsCount() == 0) {
        break;
      }
      from = page.getKvs(page.getKvsCount() - 1).getKey().concat(ByteString.copyFrom(new byte[] {0}));
    }
    if (parts != pointer.getParts() || content.size() != pointer.getBytes()) {
      throw new IllegalStateException("the checkpoint at event " + pointer.getHeadEventId() + " in etcd has " + parts
          + " parts of " + content.size() + " bytes, not the " + pointer.getParts() + " of " + pointer.getBytes()
          + " it was written with");
    }
    seen(pointer, found.getModRevision());
    try {
      return new Found(Optional.of(JournalCheckpoint.parseFrom(content)), revision);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("the checkpoint at event " + pointer.getHeadEventId() + " in etcd is damaged: "
          + e.getMessage(), e);
    }
  }

  /** A checkpoint became current (this process's or another's), named at {@code modRevision}. */
  void seen(EtcdCheckpoint pointer, long modRevision) {
    synchronized (storeLock) {
      if (modRevision > currentRevision) {
        current = pointer;
        currentRevision = modRevision;
      }
    }
  }

  static EtcdCheckpoint parse(ByteString value) {
    try {
      return EtcdCheckpoint.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("the key naming the current checkpoint in etcd is damaged: " + e.getMessage(), e);
    }
  }

  /**
   * Store lock. Starts writing {@code content} if the log holds more than {@code threshold}
   * changes after the current checkpoint and no checkpoint is being written.
   */
  void writeIfDue(long logHead, long threshold, Supplier<JournalCheckpoint> content) {
    if (inFlight || stopping || logHead - current.getHeadEventId() <= threshold) {
      return;
    }
    inFlight = true;
    JournalCheckpoint checkpoint = content.get();
    EtcdCheckpoint previous = current;
    long previousRevision = currentRevision;
    writer.execute(() -> {
      try {
        write(checkpoint, previous, previousRevision);
      } finally {
        synchronized (storeLock) {
          inFlight = false;
        }
      }
    });
  }

  private void write(JournalCheckpoint checkpoint, EtcdCheckpoint previous, long previousRevision) {
    long begin = System.nanoTime();
    long head = checkpoint.getHeadEventId();
    String id = RandomIds.next("");
    ByteString content = checkpoint.toByteString();
    int parts = (content.size() + PART_BYTES - 1) / PART_BYTES;
    EtcdCheckpoint pointer = EtcdCheckpoint.newBuilder().setHeadEventId(head).setParts(parts).setBytes(content.size())
        .setId(id).build();
    try {
      for (int i = 0; i < parts; i++) {
        ByteString part = content.substring(i * PART_BYTES, Math.min(content.size(), (i + 1) * PART_BYTES));
        kv.put(PutRequest.newBuilder().setKey(keys.checkpointPart(head, id, i)).setValue(part).build(), timeout);
      }
      TxnResponse named = kv.txn(TxnRequest.newBuilder()
          .addCompare(Compare.newBuilder().setKey(keys.checkpoint()).setTarget(Compare.CompareTarget.MOD)
              .setResult(Compare.CompareResult.EQUAL).setModRevision(previousRevision))
          .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(keys.checkpoint())
              .setValue(pointer.toByteString())))
          .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(keys.checkpoint())))
          .build(), timeout);
      if (!named.getSucceeded()) {
        // The current one, as the next writer must compare with it (its naming may not have been followed).
        named.getResponses(0).getResponseRange().getKvsList()
            .forEach(kv -> seen(parse(kv.getValue()), kv.getModRevision()));
        deleteRange(keys.checkpointParts(head, id), EtcdKv.prefixEnd(keys.checkpointParts(head, id)));
        EventLog.emit(LOG, LogEvent.ETCD_CHECKPOINT_FAILED, "head", head,
            "cause", "another Config Server made its checkpoint current first");
        return;
      }
      seen(pointer, named.getHeader().getRevision());
      // Parts of older checkpoints (and of any left by a writer that stopped halfway), the log it holds.
      deleteRange(keys.checkpointsStart(), keys.checkpointsBelow(head));
      deleteRange(keys.logStart(), keys.log(head + 1));
      if (previousRevision > 0) {
        compact(previousRevision);
      }
      EventLog.emit(LOG, LogEvent.ETCD_CHECKPOINT_WRITTEN, "head", head, "objects", checkpoint.getObjectsCount(),
          "history_records", checkpoint.getHistoryCount(), "parts", parts, "bytes", content.size(),
          "previous_head", previous.getHeadEventId(), "compacted_to_revision", previousRevision,
          "ms", (System.nanoTime() - begin) / 1_000_000);
    } catch (StatusRuntimeException e) {
      EventLog.emit(LOG, LogEvent.ETCD_CHECKPOINT_FAILED, "head", head, "cause", EtcdLog.describe(e));
    }
  }

  private void deleteRange(ByteString from, ByteString end) {
    kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(from).setRangeEnd(end).build(), timeout);
  }

  private void compact(long revision) {
    try {
      kv.compact(revision, timeout);
    } catch (StatusRuntimeException e) {
      if (!EtcdKv.compacted(e)) {
        throw e;
      }
      // Already compacted further (by another Config Server, or etcd's own auto-compaction).
    }
  }

  /** Store lock. */
  void stopping() {
    stopping = true;
  }

  /** Waits for a checkpoint being written. */
  void awaitWritten() throws InterruptedException {
    writer.shutdown();
    if (!writer.awaitTermination(30, TimeUnit.SECONDS)) {
      writer.shutdownNow();
    }
  }
}
