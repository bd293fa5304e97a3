package io.tandem.it;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tandem.stat.v1.CenterEvent;
import io.tandem.stat.v1.EventBatch;
import io.tandem.stat.v1.FeedProgress;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One producer's Feed stream sending its batches as fast as the member asks for them: each the
 * same {@code template} events under the next sequence number, until {@code batches} are sent or
 * {@link #stop} is called.
 */
final class Flood implements ClientResponseObserver<EventBatch, FeedProgress> {
  final String producer;
  final List<CenterEvent> template;
  private final int batches;
  final CompletableFuture<FeedProgress> last = new CompletableFuture<>();
  private ClientCallStreamObserver<EventBatch> requests;
  private int next = 1;
  private boolean stopped;
  private boolean halfClosed;

  Flood(String producer, List<CenterEvent> template, int batches) {
    this.producer = producer;
    this.template = template;
    this.batches = batches;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<EventBatch> requestStream) {
    requests = requestStream;
    requestStream.setOnReadyHandler(this::send);
  }

  /** Sends no more batches and ends the stream; the member's last progress completes {@link #last}. */
  void stop() {
    synchronized (this) {
      stopped = true;
    }
    send();
  }

  /** The batches sent so far. */
  synchronized int sent() {
    return next - 1;
  }

  private synchronized void send() {
    while (!stopped && next <= batches && requests.isReady()) {
      requests.onNext(EventBatch.newBuilder().setProducerId(producer).setSequence(next++).addAllEvents(template).build());
    }
    if ((stopped || next > batches) && !halfClosed) {
      halfClosed = true;
      requests.onCompleted();
    }
  }

  @Override
  public void onNext(FeedProgress progress) {
    if (progress.getFinal()) {
      last.complete(progress);
    }
  }

  @Override
  public void onError(Throwable t) {
    last.completeExceptionally(t);
  }

  @Override
  public void onCompleted() {
    last.completeExceptionally(new IllegalStateException(producer + ": the feed ended without its last progress"));
  }
}
