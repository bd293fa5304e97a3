package io.tandem.client;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tandem.common.concurrent.Scheduled;
import io.tandem.common.config.FeedNames;
import io.tandem.common.grpc.MessageLimits;
import io.tandem.common.retry.Backoff;
import io.tandem.stat.v1.EventBatch;
import io.tandem.stat.v1.FeedProgress;
import io.tandem.stat.v1.StatServiceGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Contact-center events to both members of a pair, each over its own Feed stream, exactly once.
 *
 * <p>Every batch gets this producer's id and the next sequence number. Each member applies a
 * batch at most once and acknowledges what it applied ({@code FeedProgress}); a batch stays here
 * until both members have acknowledged it, and after a broken stream everything the member has
 * not acknowledged is sent again (the member skips what it already had). So both members apply
 * the same batches, in the same order, once — their statistics agree.
 *
 * <p>What waits for acknowledgement is bounded by bytes ({@code bufferBytes}): when it is full,
 * {@link #publish} blocks until there is room, and fails with {@link FeedBufferFullException}
 * naming the member that holds it up if there is none after {@code publishTimeout}. Nothing is
 * ever dropped. Sends follow each stream's flow control. Thread-safe.
 */
public final class FeedPublisher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FeedPublisher.class);
  /** Batches not yet acknowledged by both members, at most (bytes). */
  public static final long DEFAULT_BUFFER_BYTES = 64L * 1024 * 1024;
  /** How long {@link #publish} waits for room before it fails. */
  public static final Duration DEFAULT_PUBLISH_TIMEOUT = Duration.ofSeconds(30);

  /** {@link #publish} found the buffer full for longer than its timeout: nothing was published. */
  public static final class FeedBufferFullException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    FeedBufferFullException(String message) {
      super(message);
    }
  }

  private final String producerId;
  private final long bufferBytes;
  private final Duration publishTimeout;
  private final List<Lane> lanes = new ArrayList<>();
  /**
   * Batches published and not yet acknowledged by every member, oldest first, from index
   * {@link #head} on (the list is compacted now and then, not on every acknowledgement).
   */
  private final List<EventBatch> unacknowledged = new ArrayList<>();
  private int head;
  /** The sequence of the oldest batch not yet acknowledged by every member. */
  private long oldest = 1;
  /** The sequence the next published batch gets. */
  private long next = 1;
  private long heldBytes;
  private boolean finishing;
  /** Why this publisher stopped for good (a member applied more of its id than it sent), or null. */
  private String conflict;

  FeedPublisher(List<PairMember> members, ScheduledExecutorService scheduler, String producerId, long bufferBytes,
      Duration publishTimeout) {
    this.producerId = producerId;
    this.bufferBytes = bufferBytes;
    this.publishTimeout = publishTimeout;
    for (PairMember member : members) {
      lanes.add(new Lane(member, scheduler));
    }
    lanes.forEach(Lane::open);
  }

  /** The id every batch of this publisher carries. */
  public String producerId() {
    return producerId;
  }

  /**
   * Sends {@code batch} to both members, stamped with this producer's id and the next sequence
   * number. Blocks while the batches not yet acknowledged fill the buffer.
   *
   * @throws FeedBufferFullException if there is still no room after the publish timeout (a member
   *     is down or far behind); the message names it
   * @throws IllegalArgumentException if the batch, stamped, is larger than a Stat Server takes in
   *     one message ({@link MessageLimits#MAX_FEED_BATCH_BYTES}), or an agent, queue or call id in it
   *     is no name (members refuse such a batch, and re-sending it would never end)
   * @throws IllegalStateException if a member has applied more batches of this producer id than
   *     this publisher sent: another publisher used the id, and every batch up to there would be
   *     skipped as already applied
   */
  public void publish(EventBatch batch) {
    long deadline = System.nanoTime() + Nanos.left(publishTimeout);
    FeedNames.problem(batch).ifPresent(problem -> {
      throw new IllegalArgumentException("batch: " + problem + "; nothing was published");
    });
    synchronized (this) {
      stopIfConflicting();
      EventBatch stamped = batch.toBuilder().setProducerId(producerId).setSequence(next).build();
      int size = stamped.getSerializedSize();
      if (size > MessageLimits.MAX_FEED_BATCH_BYTES) {
        // Every member would refuse it, and re-sending it would never end.
        throw new IllegalArgumentException("batch: " + size + " bytes with its producer id and sequence, more than "
            + "the " + MessageLimits.MAX_FEED_BATCH_BYTES + " bytes a Stat Server takes in one Feed message; publish "
            + "its " + batch.getEventsCount() + " events in smaller batches; nothing was published");
      }
      while (heldBytes > 0 && heldBytes + size > bufferBytes) {
        stopIfConflicting();
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          throw new FeedBufferFullException("feed buffer full: " + heldBytes + " bytes of " + (next - oldest)
              + " batches (limit " + bufferBytes + ") not yet acknowledged by " + behind() + " after "
              + publishTimeout.toMillis() + " ms; nothing was published");
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(this, remaining);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new FeedBufferFullException("interrupted while waiting for room in the feed buffer; nothing was published");
        }
      }
      unacknowledged.add(stamped);
      next++;
      heldBytes += size;
      lanes.forEach(Lane::drain);
    }
  }

  private void stopIfConflicting() {
    if (conflict != null) {
      throw new IllegalStateException(conflict);
    }
  }

  /**
   * {@code member} says it applied this producer's batches through {@code appliedThrough}, beyond
   * what this publisher sent: another publisher used this id, and the member would skip ours as
   * already applied. Nothing more is sent; publishing and finishing fail, naming why.
   */
  private void conflicting(Lane lane, long appliedThrough) {
    conflict = "producer id '" + producerId + "': " + lane.member + " has applied its batches through sequence "
        + appliedThrough + ", beyond the " + (next - 1) + " this publisher sent; another publisher used this id "
        + "(one id per publisher: feed() draws a new one), and the batches it sent here would be skipped as already "
        + "applied; nothing more is sent";
    for (Lane each : lanes) {
      each.summary.completeExceptionally(new IllegalStateException(conflict));
      each.cancel();
    }
    notifyAll();
  }

  /** Bytes published and not yet acknowledged by both members. */
  public synchronized long unacknowledgedBytes() {
    return heldBytes;
  }

  /**
   * Ends both streams once everything is acknowledged; completes with each member's last
   * progress (its counts for this stream).
   */
  public CompletableFuture<List<FeedProgress>> finish() {
    List<CompletableFuture<FeedProgress>> summaries;
    synchronized (this) {
      finishing = true;
      lanes.forEach(Lane::drain);
      summaries = lanes.stream().map(l -> l.summary).toList();
    }
    return CompletableFuture.allOf(summaries.toArray(CompletableFuture[]::new))
        .thenApply(v -> summaries.stream().map(CompletableFuture::join).toList());
  }

  @Override
  public synchronized void close() {
    lanes.forEach(Lane::cancel);
  }

  /** The members still to acknowledge the oldest batch, for messages. */
  private String behind() {
    return lanes.stream().filter(l -> l.acknowledged < oldest).map(Lane::describe).toList().toString();
  }

  /** Drops the batches every member has acknowledged and wakes publishers waiting for room. */
  private void trim() {
    long everybody = lanes.stream().mapToLong(l -> l.acknowledged).min().orElse(0);
    boolean freed = false;
    while (oldest < next && oldest <= everybody) {
      heldBytes -= unacknowledged.get(head).getSerializedSize();
      unacknowledged.set(head++, null);
      oldest++;
      freed = true;
    }
    if (head > 1024 && head * 2 > unacknowledged.size()) {
      unacknowledged.subList(0, head).clear();
      head = 0;
    }
    if (freed) {
      notifyAll();
    }
  }

  /** One member's stream: what it has been sent, and what it acknowledged. Guarded by the publisher. */
  private final class Lane {
    private final PairMember member;
    private final ScheduledExecutorService scheduler;
    private final Backoff backoff = new Backoff(Backoff.Policy.RECONNECT);
    private final CompletableFuture<FeedProgress> summary = new CompletableFuture<>();
    private ClientCallStreamObserver<EventBatch> stream;
    /** The sequence to send next on the current stream. */
    private long toSend;
    /** Every batch up to this sequence is applied by the member. */
    private long acknowledged;
    private boolean halfClosed;
    private boolean cancelled;
    private Status lastBreak;

    Lane(PairMember member, ScheduledExecutorService scheduler) {
      this.member = member;
      this.scheduler = scheduler;
    }

    String describe() {
      return member + (stream == null ? " (stream broken" + (lastBreak == null ? "" : ": " + lastBreak.getCode())
          + ", reconnecting)" : "");
    }

    void open() {
      synchronized (FeedPublisher.this) {
        if (cancelled) {
          return;
        }
        member.channel.resetConnectBackoff();
        // Everything the member has not acknowledged goes again: it skips what it already applied.
        toSend = acknowledged + 1;
        halfClosed = false;
        StatServiceGrpc.newStub(member.channel).feed(new ClientResponseObserver<EventBatch, FeedProgress>() {
          private ClientCallStreamObserver<EventBatch> requests;

          @Override
          public void beforeStart(ClientCallStreamObserver<EventBatch> requestStream) {
            requests = requestStream;
            stream = requestStream;
            requestStream.setOnReadyHandler(() -> {
              synchronized (FeedPublisher.this) {
                if (stream == requests) {
                  drain();
                }
              }
            });
          }

          @Override
          public void onNext(FeedProgress progress) {
            acknowledged(progress);
          }

          @Override
          public void onError(Throwable t) {
            broken(requests, Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            broken(requests, Status.UNAVAILABLE.withDescription("the member ended the feed"));
          }
        });
        drain();
      }
    }

    void drain() {
      while (stream != null && !halfClosed && stream.isReady() && toSend < next) {
        stream.onNext(unacknowledged.get(head + (int) (toSend - oldest)));
        toSend++;
      }
      if (finishing && stream != null && !halfClosed && toSend == next) {
        halfClosed = true;
        stream.onCompleted();
      }
    }

    private void acknowledged(FeedProgress progress) {
      synchronized (FeedPublisher.this) {
        backoff.reset();
        if (progress.getAppliedThrough() >= next) {
          conflicting(this, progress.getAppliedThrough());
          return;
        }
        if (progress.getAppliedThrough() > acknowledged) {
          acknowledged = progress.getAppliedThrough();
          trim();
        }
        if (progress.getFinal() && acknowledged == next - 1) {
          summary.complete(progress);
        }
      }
    }

    private void broken(ClientCallStreamObserver<EventBatch> broken, Status status) {
      synchronized (FeedPublisher.this) {
        if (stream != broken) {
          return;
        }
        stream = null;
        lastBreak = status;
        if (cancelled) {
          summary.completeExceptionally(status.asRuntimeException());
          return;
        }
        if (summary.isDone()) {
          return;
        }
        LOG.info("feed to {} broke ({}); re-sending what it has not acknowledged ({} batches)", member,
            status.getCode(), next - 1 - acknowledged);
        Scheduled.after(scheduler, "open feed", backoff.nextDelay(), this::open);
      }
    }

    void cancel() {
      cancelled = true;
      if (stream != null) {
        stream.cancel("publisher closed", null);
      }
    }
  }
}
