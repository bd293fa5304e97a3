package io.tandem.statserver.api;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.tandem.stat.v1.StatisticValue;
import io.tandem.statserver.stats.StatisticSink;

/**
 * An open statistic's stream. Sends only while the transport is ready; a slow client gets the
 * latest value when it can take one, not a backlog (older values are superseded).
 */
final class StreamSink implements StatisticSink {
  private final ServerCallStreamObserver<StatisticValue> out;
  private StatisticValue pending;
  private long sequence;
  private boolean done;
  private volatile String statisticId = "";
  private volatile boolean cancelled;

  StreamSink(ServerCallStreamObserver<StatisticValue> out) {
    this.out = out;
    out.setOnReadyHandler(this::drain);
  }

  /** The client cancelled the call. */
  void cancelled() {
    cancelled = true;
  }

  @Override
  public boolean abandoned() {
    return cancelled;
  }

  /** The id the engine gave the statistic ("" until its first value). */
  String statisticId() {
    return statisticId;
  }

  @Override
  public synchronized void offer(StatisticValue value) {
    if (done) {
      return;
    }
    statisticId = value.getStatisticId();
    pending = value;
    drain();
  }

  @Override
  public synchronized void closed(StatisticValue last) {
    if (done) {
      return;
    }
    done = true;
    out.onNext(last.toBuilder().setSequence(++sequence).build());
    out.onCompleted();
  }

  @Override
  public synchronized void failed(Status status) {
    if (!done) {
      done = true;
      out.onError(status.asRuntimeException());
    }
  }

  private synchronized void drain() {
    if (pending != null && !done && out.isReady()) {
      out.onNext(pending.toBuilder().setSequence(++sequence).build());
      pending = null;
    }
  }
}
