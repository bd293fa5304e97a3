package io.tandem.configserver;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.HistoryLogExpired;
import io.tandem.config.v1.WatchRequest;
import io.tandem.config.v1.WatchResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records everything a Watch stream delivers; {@link #cancel} ends it from this side. */
public final class WatchRecorder implements ClientResponseObserver<WatchRequest, WatchResponse> {
  public final List<ChangeEvent> events = new CopyOnWriteArrayList<>();
  public final List<Long> progress = new CopyOnWriteArrayList<>();
  public final List<Boolean> replayFlags = new CopyOnWriteArrayList<>();
  public volatile HistoryLogExpired expired;
  public volatile Throwable error;
  public volatile boolean completed;
  private volatile ClientCallStreamObserver<WatchRequest> call;

  @Override
  public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
    call = requestStream;
  }

  /** Cancels the stream (a watcher that is done). */
  public void cancel() {
    if (call != null) {
      call.cancel("watcher done", null);
    }
  }

  @Override
  public void onNext(WatchResponse response) {
    switch (response.getPayloadCase()) {
      case CHANGES -> {
        events.addAll(response.getChanges().getEventsList());
        replayFlags.add(response.getChanges().getReplay());
      }
      case PROGRESS -> progress.add(response.getProgress().getHeadEventId());
      case HISTORY_LOG_EXPIRED -> expired = response.getHistoryLogExpired();
      default -> throw new IllegalStateException("empty watch response");
    }
  }

  @Override
  public void onError(Throwable t) {
    error = t;
  }

  @Override
  public void onCompleted() {
    completed = true;
  }

  public boolean ended() {
    return completed || error != null;
  }

  public long lastEventId() {
    return events.isEmpty() ? -1 : events.get(events.size() - 1).getEventId();
  }
}
