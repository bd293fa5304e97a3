package io.tandem.cli.link;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * Asks several replicas of a service the same question at once and takes the first whose answer
 * will do. Asked one after another with a short deadline each, a replica that is merely slow (a
 * busy machine, a cold TLS handshake) would be passed over for one that is down; asked at once,
 * a down replica refuses at once, a frozen one never answers, and neither holds up the others.
 */
public final class FirstToAnswer {
  private FirstToAnswer() {}

  /**
   * The first of {@code replicas} whose answer {@code takesAnswer} accepts, or whose failure
   * {@code takesFailure} accepts; {@code otherwise} (one of them) when every one answered or failed
   * otherwise. A single replica is not asked. {@code ask} starts the call (with its deadline) on a
   * replica. The replicas not chosen are closed.
   */
  public static <T> Endpoint among(List<Endpoint> replicas, Endpoint otherwise,
      BiConsumer<Endpoint, StreamObserver<T>> ask, Predicate<T> takesAnswer, Predicate<Status> takesFailure) {
    Endpoint chosen = replicas.size() == 1 ? replicas.get(0)
        : firstTaken(replicas, ask, takesAnswer, takesFailure).orElse(otherwise);
    replicas.stream().filter(replica -> replica != chosen).forEach(Endpoint::close);
    return chosen;
  }

  private static <T> Optional<Endpoint> firstTaken(List<Endpoint> replicas, BiConsumer<Endpoint, StreamObserver<T>> ask,
      Predicate<T> takesAnswer, Predicate<Status> takesFailure) {
    CompletableFuture<Optional<Endpoint>> first = new CompletableFuture<>();
    AtomicInteger unanswered = new AtomicInteger(replicas.size());
    for (Endpoint replica : replicas) {
      ask.accept(replica, new StreamObserver<>() {
        @Override
        public void onNext(T answer) {
          if (takesAnswer.test(answer)) {
            first.complete(Optional.of(replica));
          }
        }

        @Override
        public void onError(Throwable t) {
          if (takesFailure.test(Status.fromThrowable(t))) {
            first.complete(Optional.of(replica));
          }
          ended();
        }

        @Override
        public void onCompleted() {
          ended();
        }

        private void ended() {
          if (unanswered.decrementAndGet() == 0) {
            first.complete(Optional.empty());
          }
        }
      });
    }
    return first.join();
  }
}
