package io.tandem.management.supervision;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The server side of a stream for tests: records what is sent; its transport is ready while {@link #ready} says so. */
final class RecordingServerStream<T> extends ServerCallStreamObserver<T> {
  volatile boolean ready = true;
  final List<T> sent = new CopyOnWriteArrayList<>();
  volatile Status ended;
  /** The call is already closed (the client went away): a last message throws, as gRPC's would. */
  volatile boolean gone;

  @Override
  public boolean isReady() {
    return ready && ended == null;
  }

  @Override
  public void onNext(T value) {
    sent.add(value);
  }

  @Override
  public void onError(Throwable t) {
    if (gone) {
      throw new IllegalStateException("call already closed");
    }
    ended = Status.fromThrowable(t);
  }

  @Override
  public void onCompleted() {
    if (gone) {
      throw new IllegalStateException("call already closed");
    }
    ended = Status.OK;
  }

  @Override
  public boolean isCancelled() {
    return false;
  }

  @Override
  public void setOnCancelHandler(Runnable onCancelHandler) {}

  @Override
  public void setCompression(String compression) {}

  @Override
  public void setOnReadyHandler(Runnable onReadyHandler) {}

  @Override
  public void request(int count) {}

  @Override
  public void setMessageCompression(boolean enable) {}

  @Override
  public void disableAutoInboundFlowControl() {}
}
