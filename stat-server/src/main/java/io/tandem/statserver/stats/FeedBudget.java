package io.tandem.statserver.stats;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One memory budget for every Feed stream of this server (statserver/reload-feed-buffer), and
 * when a stream may ask its producer for its next batch.
 *
 * <p>It counts what the batches received and not yet applied take ({@link FeedBatch#cost}:
 * waiting for the engine thread, or held while a reload is built) and, for every stream asked
 * for a batch that has not arrived yet, a reservation: what the largest batch the client port
 * accepts would take, since gRPC reads a batch whole before the server learns its size. A stream
 * is asked only if what is counted, its reservation added, stays within the budget — or if
 * nothing at all is counted, so that a budget smaller than one reservation still lets batches
 * through, one at a time. Otherwise it waits in line, and the streams in line are asked in turn,
 * each as soon as there is room for its reservation. An arriving batch takes the place of its
 * stream's reservation and never costs more, so what is counted never exceeds the budget (or
 * one reservation, if that is larger).
 *
 * <p>Thread-safe: transport threads ask and receive, the engine thread releases; the asks run
 * outside the lock.
 */
final class FeedBudget {
  /** Where a stream stands. */
  enum Turn {
    /** Not asked for a batch, not in line. */
    IDLE,
    /** In line for room. */
    WAITING,
    /** Asked for a batch not yet arrived: its reservation counts. */
    ASKED,
    /** No batch comes any more. */
    CLOSED
  }

  private final long reservation;
  private long limit;
  private long used;
  private long reserved;
  private final Set<FeedLane> line = new LinkedHashSet<>();

  /** A budget of {@code limit} bytes, each outstanding ask reserving {@code reservation}. */
  FeedBudget(long limit, long reservation) {
    this.limit = limit;
    this.reservation = reservation;
  }

  /** {@code lane} may take its next batch: asked now if there is room and no stream waits before it, else in its turn. */
  void wantMore(FeedLane lane) {
    synchronized (this) {
      if (lane.turn != Turn.IDLE) {
        return;
      }
      if (!line.isEmpty() || !admits()) {
        lane.turn = Turn.WAITING;
        line.add(lane);
        return;
      }
      ask(lane);
    }
    lane.call.more();
  }

  /**
   * A batch of {@code lane} arrived, taking {@code bytes}: it counts, instead of the lane's
   * reservation, until released; what the reservation held beyond it may let streams in line be asked.
   */
  void received(FeedLane lane, long bytes) {
    List<FeedLane> asked;
    synchronized (this) {
      if (lane.turn == Turn.ASKED) {
        reserved -= reservation;
        lane.turn = Turn.IDLE;
      }
      used += bytes;
      asked = askFromLine();
    }
    asked.forEach(l -> l.call.more());
  }

  /** A batch of {@code bytes} was applied (or given up): streams in line are asked as far as there is room. */
  void release(long bytes) {
    List<FeedLane> asked;
    synchronized (this) {
      used -= bytes;
      asked = askFromLine();
    }
    asked.forEach(lane -> lane.call.more());
  }

  /** No batch comes on {@code lane} any more: it leaves the line, or gives its reservation back. */
  void close(FeedLane lane) {
    List<FeedLane> asked;
    synchronized (this) {
      if (lane.turn == Turn.ASKED) {
        reserved -= reservation;
      } else if (lane.turn == Turn.WAITING) {
        line.remove(lane);
      }
      lane.turn = Turn.CLOSED;
      asked = askFromLine();
    }
    asked.forEach(l -> l.call.more());
  }

  void setLimit(long bytes) {
    List<FeedLane> asked;
    synchronized (this) {
      limit = bytes;
      asked = askFromLine();
    }
    asked.forEach(lane -> lane.call.more());
  }

  /** Bytes received and not yet applied, all streams together. */
  synchronized long used() {
    return used;
  }

  /** Bytes reserved for batches asked for and not yet arrived. */
  synchronized long reserved() {
    return reserved;
  }

  /** Streams waiting in line for room. */
  synchronized int waiting() {
    return line.size();
  }

  private boolean admits() {
    return used + reserved + reservation <= limit || (used == 0 && reserved == 0);
  }

  private void ask(FeedLane lane) {
    lane.turn = Turn.ASKED;
    reserved += reservation;
  }

  /** The streams at the head of the line there is room for, now asked (their asks to be run outside the lock). */
  private List<FeedLane> askFromLine() {
    List<FeedLane> asked = new ArrayList<>();
    for (Iterator<FeedLane> it = line.iterator(); it.hasNext() && admits(); ) {
      FeedLane lane = it.next();
      it.remove();
      ask(lane);
      asked.add(lane);
    }
    return asked;
  }
}
