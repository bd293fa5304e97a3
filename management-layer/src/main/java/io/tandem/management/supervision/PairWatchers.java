package io.tandem.management.supervision;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.tandem.protocol.log.LogEvent;
import io.tandem.common.logging.RateLimitedLog;
import io.tandem.management.v1.MemberStatus;
import io.tandem.management.v1.PairsStatus;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code WatchPairs} streams. Each is sent the pair status when it starts and again whenever
 * the status changes — heartbeats arriving change nothing a watcher is told — and no faster than
 * it reads: a status its transport cannot take yet waits here, in order. A watcher that lets
 * {@link #MAX_WAITING} statuses wait is dropped with {@code RESOURCE_EXHAUSTED} (43-30020), so one
 * that stopped reading holds a bounded amount of this process's memory. Used on the redundancy
 * loop's thread only.
 */
final class PairWatchers {
  /** The most statuses that wait for one watcher; one more and it is dropped. */
  static final int MAX_WAITING = 100;
  private static final Logger LOG = LoggerFactory.getLogger(PairWatchers.class);
  private static final RateLimitedLog EVENTS = new RateLimitedLog(LOG);

  private static final class Watcher {
    final ServerCallStreamObserver<PairsStatus> out;
    final String peer;
    final Deque<PairsStatus> waiting = new ArrayDeque<>();
    /** The last status it was given, as {@link #withoutHeartbeats} has it: what a change is measured against. */
    PairsStatus last;

    Watcher(ServerCallStreamObserver<PairsStatus> out, String peer) {
      this.out = out;
      this.peer = peer;
    }
  }

  private final IdentityHashMap<ServerCallStreamObserver<PairsStatus>, Watcher> watchers = new IdentityHashMap<>();

  /** A new watcher from {@code peer}: it is sent {@code current} first. */
  void add(ServerCallStreamObserver<PairsStatus> out, String peer, PairsStatus current) {
    Watcher watcher = new Watcher(out, peer);
    watchers.put(out, watcher);
    offer(watcher, current, withoutHeartbeats(current));
  }

  void remove(ServerCallStreamObserver<PairsStatus> out) {
    watchers.remove(out);
  }

  /** {@code status} was just taken: every watcher is sent it if it changed more than heartbeat times. */
  void publish(PairsStatus status) {
    PairsStatus change = withoutHeartbeats(status);
    for (Watcher watcher : List.copyOf(watchers.values())) {
      if (!change.equals(watcher.last)) {
        offer(watcher, status, change);
      }
    }
  }

  /** {@code out}'s transport can take more. */
  void ready(ServerCallStreamObserver<PairsStatus> out) {
    Watcher watcher = watchers.get(out);
    if (watcher != null) {
      drain(watcher);
    }
  }

  /** Statuses waiting for all watchers together. */
  int waiting() {
    return watchers.values().stream().mapToInt(w -> w.waiting.size()).sum();
  }

  /** Completes every watch (this process is stopping). */
  void endAll() {
    endEach(out -> out.onCompleted());
  }

  /** Ends every watch with {@code status} (this process no longer leads: the watchers go to the one that does). */
  void endAll(Status status) {
    endEach(out -> out.onError(status.asRuntimeException()));
  }

  /** Writes each watch its last message; over a copy, since a watch whose write fails leaves the map. */
  private void endEach(Consumer<ServerCallStreamObserver<PairsStatus>> last) {
    for (Watcher watcher : List.copyOf(watchers.values())) {
      write(watcher, () -> last.accept(watcher.out));
    }
    watchers.clear();
  }

  int count() {
    return watchers.size();
  }

  private void offer(Watcher watcher, PairsStatus status, PairsStatus change) {
    if (watcher.out.isCancelled()) {
      watchers.remove(watcher.out);
      return;
    }
    if (watcher.waiting.size() >= MAX_WAITING) {
      watchers.remove(watcher.out);
      EVENTS.emit(LogEvent.PAIR_WATCHER_DROPPED, "peer", watcher.peer, "waiting", watcher.waiting.size());
      int unread = watcher.waiting.size();
      watcher.waiting.clear();
      write(watcher, () -> watcher.out.onError(Status.RESOURCE_EXHAUSTED.withDescription("WatchPairs: this watcher "
          + "did not read " + unread + " pair statuses (the most the Management Layer keeps for one watcher) and was "
          + "dropped; a new watch starts from the current status").asRuntimeException()));
      return;
    }
    watcher.waiting.addLast(status);
    watcher.last = change;
    drain(watcher);
  }

  private void drain(Watcher watcher) {
    while (!watcher.waiting.isEmpty() && watcher.out.isReady()) {
      PairsStatus next = watcher.waiting.pollFirst();
      if (!write(watcher, () -> watcher.out.onNext(next))) {
        return;
      }
    }
  }

  /**
   * Writes to a call that may have been cancelled meanwhile (a cancelled caller no longer cares:
   * it is forgotten); false if it was.
   */
  private boolean write(Watcher watcher, Runnable write) {
    try {
      write.run();
      return true;
    } catch (StatusRuntimeException | IllegalStateException e) {
      watchers.remove(watcher.out);
      LOG.debug("pair watcher {} gone: {}", watcher.peer, e.toString());
      return false;
    }
  }

  /** {@code status} without what heartbeats alone change: when it was taken, each member's last heartbeat. */
  static PairsStatus withoutHeartbeats(PairsStatus status) {
    PairsStatus.Builder b = status.toBuilder().clearAsOf();
    b.getPairsBuilderList().forEach(p -> p.getMembersBuilderList().forEach(MemberStatus.Builder::clearLastHeartbeat));
    return b.build();
  }
}
