package io.tandem.simulation;

import io.grpc.Status;
import io.tandem.management.ledger.EpochLedger;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The epoch ledger of Management Layers over etcd, by {@code EtcdEpochLedger}'s rules (that class
 * needs a gRPC channel): the epoch key is written only by a transaction that compares the leader
 * key's creation revision with the writer's leadership and the epoch key's revision with the one
 * last read here; refused while the leader key is another's, the election is told it is fenced;
 * refused while it is still this leadership's, the epoch key is read again. A write without an answer reads the
 * key again. An absent key starts the epochs above the clock. One per process start.
 */
final class EtcdLedger implements Ledger {
  private final Node self;
  private final EtcdNode etcd;
  private final LongConsumer fenced;
  private long highest;
  /** The revision the epoch key had when last read or written here (0: absent). */
  private long written;

  /** {@code fenced}: told when a write was refused because another leads ({@code EtcdLeaderElection.fenced}). */
  EtcdLedger(Node self, EtcdNode etcd, LongConsumer fenced) {
    this.self = self;
    this.etcd = etcd;
    this.fenced = fenced;
  }

  @Override
  public long highest() {
    return highest;
  }

  @Override
  public void refresh(Consumer<Boolean> read) {
    call(new Message.EtcdRange(EtcdNode.EPOCH_KEY), reply -> {
      EtcdNode.Entry found = ((Message.EtcdRead) reply).found();
      if (found != null) {
        highest = Math.max(highest, Long.parseLong(found.value()));
        written = found.modRevision();
      } else {
        highest = Math.max(highest, self.time.clock().millis());
        written = 0;
      }
      read.accept(true);
    }, failed -> {
      withheld("-", "the highest epoch in etcd could not be read: " + failed);
      read.accept(false);
    });
  }

  @Override
  public void record(long epoch, long leadership, Consumer<Boolean> recorded) {
    EpochLedger.checkAbove(epoch, highest);
    if (leadership == 0) {
      withheld(epoch, "this Management Layer does not lead");
      recorded.accept(false);
      return;
    }
    Message.EtcdTxn txn = new Message.EtcdTxn(List.of(
        new EtcdNode.Compare(EtcdNode.LEADER_KEY, EtcdNode.Compare.Target.CREATE, leadership),
        new EtcdNode.Compare(EtcdNode.EPOCH_KEY, EtcdNode.Compare.Target.MOD, written)),
        EtcdNode.EPOCH_KEY, Long.toString(epoch), 0);
    call(txn, reply -> {
      Message.EtcdTxnAnswer answer = (Message.EtcdTxnAnswer) reply;
      if (!answer.succeeded()) {
        refused(epoch, leadership, recorded);
        return;
      }
      highest = epoch;
      written = answer.revision();
      recorded.accept(true);
    }, failed -> {
      withheld(epoch, "not recorded in etcd: " + failed);
      refresh(read -> recorded.accept(false));
    });
  }

  /** As {@code EtcdEpochLedger} tells the two refusals apart (its transaction's failure branch reads both keys). */
  private void refused(long epoch, long leadership, Consumer<Boolean> recorded) {
    call(new Message.EtcdRange(EtcdNode.LEADER_KEY), reply -> {
      EtcdNode.Entry leader = ((Message.EtcdRead) reply).found();
      if (leader == null || leader.createRevision() != leadership) {
        withheld(epoch, "the leader key is no longer this Management Layer's (revision " + leadership
            + "); another leads");
        fenced.accept(leadership);
        recorded.accept(false);
      } else {
        withheld(epoch, "another recorded an epoch since this ledger read the key; read again");
        refresh(read -> recorded.accept(false));
      }
    }, failed -> {
      withheld(epoch, "not recorded, and etcd did not answer why: " + failed);
      recorded.accept(false);
    });
  }

  private void call(Message request, Consumer<Message> reply, Consumer<Status> failed) {
    self.network.call(self, etcd, etcd::accept, request, EtcdNode.CALL_TIMEOUT_MS, reply, failed);
  }

  private void withheld(Object epoch, String reason) {
    if (self.trace.enabled()) {
      self.trace.note(self.time.now(), self.name, EventLog.format(LogEvent.COMMAND_WITHHELD, "epoch", epoch,
          "reason", reason));
    }
  }
}
