package io.tandem.statserver.api;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.tandem.stat.v1.StatisticValue;
import io.tandem.statserver.stats.StatisticSink;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An open statistic's stream. Sends only while the transport is ready; a slow client gets the
 * latest value when it can take one, not a backlog (older values are superseded).
 *
 * <p>Two threads want to write to the stream: the engine thread with new values and the
 * transport's event loop when the stream becomes ready again. Neither waits for the other and
 * no lock is taken (the event loop must never block): whoever finds the sink idle drains it, and
 * a thread that arrives meanwhile only leaves its value and counts itself in, so the one
 * draining goes round once more ({@link #wip}). One writer at a time, as gRPC requires.
 */
final class StreamSink implements StatisticSink {
  private final ServerCallStreamObserver<StatisticValue> out;
  /** The latest value not sent yet. */
  private final AtomicReference<StatisticValue> pending = new AtomicReference<>();
  /** How the stream ends, once it must: a last value or a status. */
  private final AtomicReference<Object> ending = new AtomicReference<>();
  /** Drain requests not yet served; the thread that moves it from 0 drains until it is back at 0. */
  private final AtomicInteger wip = new AtomicInteger();
  /** Only the draining thread touches these. */
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
  public void offer(StatisticValue value) {
    statisticId = value.getStatisticId();
    pending.set(value);
    drain();
  }

  @Override
  public void closed(StatisticValue last) {
    ending.compareAndSet(null, last);
    drain();
  }

  @Override
  public void failed(Status status) {
    ending.compareAndSet(null, status);
    drain();
  }

  private void drain() {
    if (wip.getAndIncrement() != 0) {
      return; // the thread draining now goes round once more for this request
    }
    int missed = 1;
    do {
      writeWhatIsDue();
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }

  private void writeWhatIsDue() {
    if (done) {
      return;
    }
    Object end = ending.get();
    if (end instanceof StatisticValue last) {
      done = true;
      out.onNext(last.toBuilder().setSequence(++sequence).build());
      out.onCompleted();
    } else if (end instanceof Status status) {
      done = true;
      out.onError(status.asRuntimeException());
    } else if (out.isReady()) {
      StatisticValue value = pending.getAndSet(null);
      if (value != null) {
        out.onNext(value.toBuilder().setSequence(++sequence).build());
      }
    }
  }
}
