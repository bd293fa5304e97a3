package io.tandem.statserver.api;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.tandem.stat.v1.FeedProgress;
import io.tandem.statserver.stats.FeedCounters;

/**
 * One Feed call's way back to its producer. The engine thread is its only writer — the
 * acknowledgement of every batch, the last progress, and a refusal, each in the order the
 * producer's batches came — so a refusal can never overtake an acknowledgement still held by a
 * reload, and nothing writes after the call ended: once it is over (completed, refused, or
 * cancelled by the producer) every write is a no-op.
 */
final class FeedStream {
  private final ServerCallStreamObserver<FeedProgress> out;
  private final FeedCounters counters = new FeedCounters();
  /** Completed or refused by this side: written by the engine thread alone, read by whoever asks for more. */
  private volatile boolean ended;

  FeedStream(ServerCallStreamObserver<FeedProgress> out) {
    this.out = out;
  }

  FeedCounters counters() {
    return counters;
  }

  /** How far the producer's batches are applied. */
  void acknowledge() {
    if (open()) {
      out.onNext(counters.progress(false));
    }
  }

  /** Everything the producer sent is applied: the last progress, and the end of the call. */
  void finish() {
    if (open()) {
      out.onNext(counters.progress(true));
      out.onCompleted();
    }
    ended = true;
  }

  /** Ends the call with {@code status}, after the acknowledgements of every batch before the refused one. */
  void refuse(Status status) {
    if (open()) {
      out.onError(status.asRuntimeException());
    }
    ended = true;
  }

  /** Asks the producer for one more batch, while the call lasts (from any thread: gRPC's request is thread-safe). */
  void more() {
    if (open()) {
      out.request(1);
    }
  }

  private boolean open() {
    return !ended && !out.isCancelled();
  }
}
