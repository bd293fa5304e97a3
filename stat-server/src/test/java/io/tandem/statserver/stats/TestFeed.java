package io.tandem.statserver.stats;

import io.grpc.Status;
import io.tandem.stat.v1.EventBatch;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A Feed call in a test: its counters, and what the engine did to it. */
public final class TestFeed implements FeedCall {
  private final FeedCounters counters;
  private final Runnable onAcknowledge;
  public final AtomicInteger acknowledgements = new AtomicInteger();
  public final AtomicInteger asks = new AtomicInteger();
  public final List<Status> refusals = new CopyOnWriteArrayList<>();

  public TestFeed(FeedCounters counters) {
    this(counters, () -> { });
  }

  /** A call whose every acknowledgement also runs {@code onAcknowledge}. */
  public TestFeed(FeedCounters counters, Runnable onAcknowledge) {
    this.counters = counters;
    this.onAcknowledge = onAcknowledge;
  }

  /** Feeds {@code batch} to {@code engine} on a call of its own, which sends nothing after it. */
  public static void feed(StatisticsEngine engine, EventBatch batch, FeedCounters counters) {
    new TestFeed(counters).feedAlone(engine, batch);
  }

  /** Feeds {@code batch} to {@code engine} on this call, which sends nothing after it. */
  public void feedAlone(StatisticsEngine engine, EventBatch batch) {
    FeedLane lane = engine.openFeed(this);
    engine.feed(lane, new FeedBatch(batch.toByteArray()));
    engine.closeFeed(lane);
  }

  @Override
  public FeedCounters counters() {
    return counters;
  }

  @Override
  public void acknowledge() {
    acknowledgements.incrementAndGet();
    onAcknowledge.run();
  }

  @Override
  public void refuse(Status status) {
    refusals.add(status);
  }

  @Override
  public void more() {
    asks.incrementAndGet();
  }
}
