package io.tandem.client;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tandem.common.retry.Backoff;
import io.tandem.stat.v1.EventBatch;
import io.tandem.stat.v1.FeedSummary;
import io.tandem.stat.v1.StatServiceGrpc;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Contact-center events to both members of a pair, each over its own Feed stream. Sends follow
 * each stream's flow control; what a member cannot take yet waits in a bounded queue (the
 * oldest batches give way past {@link #MAX_QUEUED}, and are counted). A broken stream is opened
 * again; batches sent on a stream that broke may not have reached that member.
 */
public final class FeedPublisher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FeedPublisher.class);
  static final int MAX_QUEUED = 10_000;

  private final List<Lane> lanes = new ArrayList<>();

  FeedPublisher(List<PairMember> members, ScheduledExecutorService scheduler) {
    for (PairMember member : members) {
      Lane lane = new Lane(member, scheduler);
      lanes.add(lane);
      lane.open();
    }
  }

  /** Sends {@code batch} to both members. */
  public void publish(EventBatch batch) {
    for (Lane lane : lanes) {
      lane.send(batch);
    }
  }

  /** Batches given up (queue overflow) per member, for the caller to report. */
  public long dropped() {
    return lanes.stream().mapToLong(l -> l.dropped.get()).sum();
  }

  /** Ends both streams; completes with each member's summary once they have applied everything. */
  public CompletableFuture<List<FeedSummary>> finish() {
    List<CompletableFuture<FeedSummary>> summaries = lanes.stream().map(Lane::finish).toList();
    return CompletableFuture.allOf(summaries.toArray(CompletableFuture[]::new))
        .thenApply(v -> summaries.stream().map(CompletableFuture::join).toList());
  }

  @Override
  public void close() {
    lanes.forEach(Lane::cancel);
  }

  /** One member's stream and its queue. */
  private static final class Lane {
    private final PairMember member;
    private final ScheduledExecutorService scheduler;
    private final Backoff backoff = new Backoff(Backoff.Policy.RECONNECT);
    private final ArrayDeque<EventBatch> queue = new ArrayDeque<>();
    private final AtomicLong dropped = new AtomicLong();
    private ClientCallStreamObserver<EventBatch> stream;
    private CompletableFuture<FeedSummary> summary = new CompletableFuture<>();
    private boolean finishing;
    private boolean cancelled;

    Lane(PairMember member, ScheduledExecutorService scheduler) {
      this.member = member;
      this.scheduler = scheduler;
    }

    synchronized void open() {
      if (cancelled) {
        return;
      }
      member.channel.resetConnectBackoff();
      CompletableFuture<FeedSummary> result = summary;
      StatServiceGrpc.newStub(member.channel).feed(new ClientResponseObserver<EventBatch, FeedSummary>() {
        @Override
        public void beforeStart(ClientCallStreamObserver<EventBatch> requests) {
          stream = requests;
          requests.setOnReadyHandler(Lane.this::drain);
        }

        @Override
        public void onNext(FeedSummary value) {
          result.complete(value);
        }

        @Override
        public void onError(Throwable t) {
          broken(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
          result.complete(FeedSummary.getDefaultInstance());
        }
      });
    }

    synchronized void send(EventBatch batch) {
      if (queue.size() >= MAX_QUEUED) {
        queue.pollFirst();
        if (dropped.incrementAndGet() % 1000 == 1) {
          LOG.warn("feed to {} cannot keep up: {} batches dropped so far", member, dropped.get());
        }
      }
      queue.addLast(batch);
      drain();
    }

    private synchronized void drain() {
      while (stream != null && stream.isReady() && !queue.isEmpty()) {
        stream.onNext(queue.pollFirst());
      }
      if (finishing && stream != null && queue.isEmpty()) {
        stream.onCompleted();
        stream = null;
      }
    }

    private synchronized void broken(Status status) {
      stream = null;
      if (cancelled || (finishing && queue.isEmpty())) {
        summary.completeExceptionally(status.asRuntimeException());
        return;
      }
      LOG.info("feed to {} broke ({}); reopening", member, status.getCode());
      scheduler.schedule(this::open, backoff.nextDelay().toMillis(), TimeUnit.MILLISECONDS);
    }

    synchronized CompletableFuture<FeedSummary> finish() {
      finishing = true;
      drain();
      return summary;
    }

    synchronized void cancel() {
      cancelled = true;
      if (stream != null) {
        stream.cancel("publisher closed", null);
      }
    }
  }
}
