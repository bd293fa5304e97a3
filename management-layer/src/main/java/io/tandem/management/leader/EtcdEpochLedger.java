package io.tandem.management.leader;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.tandem.protocol.redundancy.Epochs;
import io.tandem.etcd.EtcdKv;
import io.tandem.management.ledger.CorruptLedgerException;
import io.tandem.management.ledger.EpochLedger;
import io.tandem.management.ledger.EpochNotRecordedException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.LongConsumer;
import java.time.Clock;

/**
 * The epoch ledger of Management Layers over one etcd cluster: the key {@code epoch} beside the
 * leader key, written only by a transaction that compares the leader key's creation revision with
 * the writer's own (its fencing token, as etcd's election recipe and Patroni use it). A deposed
 * leader, frozen or cut off while another was elected, can therefore record no epoch, and sends
 * no command carrying one; a new leader starts above every epoch any leader recorded.
 *
 * <p>A cluster without the key is a first start: epochs then begin above the clock's time in
 * milliseconds, as the single Management Layer's file ledger does, so they stay above any epoch
 * the applications of an installation that ran one still hold. From then on only the key counts.
 */
public final class EtcdEpochLedger implements EpochLedger {
  private final EtcdKv kv;
  private final ByteString key;
  private final ByteString leaderKey;
  private final Clock clock;
  private final LongConsumer fenced;
  private final Duration callTimeout;
  private long highest;
  /** The revision the epoch key had when last read or written here (0: absent): a write expects it unchanged. */
  private long written;

  /**
   * A ledger that has read nothing yet ({@link #highest} is 0): it makes no call to etcd until
   * {@link #refresh}, which a Management Layer does when elected, so one started while etcd does
   * not answer yet stands by instead of failing.
   *
   * @param clock read when no epoch was ever recorded
   * @param fenced told, with the leadership it was guarded by, when a write was refused because
   *     another leads ({@link EtcdLeaderElection#fenced})
   */
  public EtcdEpochLedger(Channel channel, ByteString key, ByteString leaderKey, Clock clock, LongConsumer fenced,
      Duration callTimeout) {
    this.kv = new EtcdKv(channel, nanos -> { });
    this.key = key;
    this.leaderKey = leaderKey;
    this.clock = clock;
    this.fenced = fenced;
    this.callTimeout = callTimeout;
  }

  /** Reads the epoch key: its value and the revision it was last written at. */
  private void read() {
    readFrom(kv.range(RangeRequest.newBuilder().setKey(key).build(), callTimeout));
  }

  private void readFrom(RangeResponse found) {
    if (found.getKvsCount() > 0) {
      highest = Math.max(highest, epoch(found.getKvs(0).getValue().toString(StandardCharsets.US_ASCII)));
      written = found.getKvs(0).getModRevision();
    } else {
      highest = Math.max(highest, clock.millis());
      written = 0;
    }
  }

  private long epoch(String text) {
    long epoch;
    try {
      epoch = Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new CorruptLedgerException("the epoch key " + key.toStringUtf8() + " holds \"" + text + "\", not an epoch:"
          + " restore it from a backup, or delete it to start above the clock again");
    }
    if (epoch < 0) {
      throw new CorruptLedgerException("the epoch key " + key.toStringUtf8() + " holds a negative epoch (" + epoch + ")");
    }
    if (epoch > Epochs.MAX) {
      throw new CorruptLedgerException("the epoch key " + key.toStringUtf8() + " holds " + epoch + ", above "
          + Epochs.MAX + ", the most an epoch may be: restore it from a backup");
    }
    return epoch;
  }

  @Override
  public synchronized void refresh() {
    try {
      read();
    } catch (StatusRuntimeException e) {
      throw new EpochNotRecordedException("the highest epoch in etcd could not be read: " + e.getStatus(), e);
    }
  }

  @Override
  public synchronized long highest() {
    return highest;
  }

  @Override
  public synchronized void record(long epoch, long leadership) {
    EpochLedger.checkAbove(epoch, highest);
    if (leadership == 0) {
      throw new EpochNotRecordedException("epoch " + epoch + " not recorded: this Management Layer does not lead", null);
    }
    TxnResponse answer;
    try {
      // Fenced twice: the leader key must still be this leadership's, and the epoch key unchanged
      // since this process read it, so an epoch is never recorded below one another leader wrote.
      answer = kv.txn(TxnRequest.newBuilder()
          .addCompare(ManagementKeys.stillLeading(leaderKey, leadership))
          .addCompare(Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.MOD)
              .setResult(Compare.CompareResult.EQUAL).setModRevision(written))
          .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key)
              .setValue(ByteString.copyFromUtf8(Long.toString(epoch)))))
          .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(leaderKey)))
          .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)))
          .build(), callTimeout);
    } catch (StatusRuntimeException e) {
      rereadAfter(e);
      throw new EpochNotRecordedException("epoch " + epoch + " not recorded in etcd: " + e.getStatus(), e);
    }
    if (!answer.getSucceeded()) {
      RangeResponse leaderNow = answer.getResponses(0).getResponseRange();
      if (leaderNow.getKvsCount() == 0 || leaderNow.getKvs(0).getCreateRevision() != leadership) {
        fenced.accept(leadership);
        throw new EpochNotRecordedException("epoch " + epoch + " not recorded: the leader key is no longer this"
            + " Management Layer's (revision " + leadership + "); another leads", null);
      }
      // Still this leadership's: the epoch key was written since it was read here (by this process,
      // a write whose answer was lost; or by a ledger of another process under the same leadership).
      readFrom(answer.getResponses(1).getResponseRange());
      throw new EpochNotRecordedException("epoch " + epoch + " not recorded: another recorded an epoch since this"
          + " ledger read the key (now " + highest + "); read again", null);
    }
    highest = epoch;
    written = answer.getHeader().getRevision();
  }

  /**
   * A write without an answer may still have been committed, and the next would then compare a
   * revision the key no longer has and be refused: the key is read again now, if etcd answers.
   */
  private void rereadAfter(StatusRuntimeException failed) {
    try {
      read();
    } catch (StatusRuntimeException e) {
      failed.addSuppressed(e);
    }
  }
}
