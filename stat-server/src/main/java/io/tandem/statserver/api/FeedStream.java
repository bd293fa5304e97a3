package io.tandem.statserver.api;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.tandem.stat.v1.FeedProgress;
import io.tandem.statserver.stats.FeedCall;
import io.tandem.statserver.stats.FeedCounters;

/**
 * One Feed call's way back to its producer. The engine thread writes it — the acknowledgement of
 * every batch, the last progress, and a refusal, each in the order the producer's batches came —
 * so a refusal can never overtake an acknowledgement still held by a reload. Acknowledgements
 * follow the call's flow control: they are cumulative, so while the producer is not reading
 * only the latest is kept, and it goes out once the producer can take it (from the transport's
 * ready callback). The last progress and a refusal go out whatever the flow control, after the
 * acknowledgement still due. Nothing writes after the call ended: once it is over (completed,
 * refused, or cancelled by the producer) every write is a no-op. Writes are made under this
 * object's lock, since they come from two threads.
 */
final class FeedStream implements FeedCall {
  private final ServerCallStreamObserver<FeedProgress> out;
  private final FeedCounters counters = new FeedCounters();
  /** Completed or refused by this side: read by whoever asks for more. */
  private volatile boolean ended;
  /** The latest acknowledgement, not yet sent because the producer was not reading; guarded by this. */
  private FeedProgress due;

  /** Called while the call starts: it takes the call's ready callback. */
  FeedStream(ServerCallStreamObserver<FeedProgress> out) {
    this.out = out;
    out.setOnReadyHandler(this::sendDue);
  }

  @Override
  public FeedCounters counters() {
    return counters;
  }

  /** How far the producer's batches are applied: sent now if the producer can take it, else once it can. */
  @Override
  public synchronized void acknowledge() {
    due = counters.progress(false);
    sendDue();
  }

  /** Everything the producer sent is applied: the last progress, and the end of the call. */
  synchronized void finish() {
    boolean open = open();
    end();
    if (open) {
      out.onNext(counters.progress(true));
      out.onCompleted();
    }
  }

  /** Ends the call with {@code status}, after the acknowledgements of every batch before the refused one. */
  @Override
  public synchronized void refuse(Status status) {
    boolean open = open();
    FeedProgress progress = due;
    end();
    if (open) {
      if (progress != null) {
        out.onNext(progress);
      }
      out.onError(status.asRuntimeException());
    }
  }

  /** Asks the producer for one more batch, while the call lasts (from any thread: gRPC's request is thread-safe). */
  @Override
  public void more() {
    if (open()) {
      out.request(1);
    }
  }

  private synchronized void sendDue() {
    if (due != null && open() && out.isReady()) {
      FeedProgress progress = due;
      due = null; // before the write: a transport may call back (ready) from inside it
      out.onNext(progress);
    }
  }

  /** Before the last writes: a transport may call back (ready) from inside them, and nothing may follow them. */
  private void end() {
    ended = true;
    due = null;
  }

  private boolean open() {
    return !ended && !out.isCancelled();
  }
}
