package io.tandem.protocol.history;

import com.google.protobuf.util.Timestamps;
import io.tandem.config.v1.ChangeEvent;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The history log: the most recent changes, kept so that a client can restore its session by
 * asking for every change after the last one it saw.
 *
 * <p>Retention is bounded by {@code max-records} and {@code expiration}. Everything with an id
 * at or below {@link #floor()} is gone: a client positioned below the floor cannot be restored.
 * A {@link #reset reset} (operator, or a restart that lost history) moves the floor to the head.
 *
 * <p>The limits are about clients that <em>resume</em>. Connected clients still receiving
 * changes pin what they have not been sent yet (see {@link #setLiveFloor}), so a single write
 * larger than {@code max-records} does not cut them off; only once the log holds more than
 * {@link #LIVE_CAP_BYTES} of encoded events, or {@link #LIVE_CAP} events (10 x
 * {@code max-records} if more), is a lagging connected client given up on. The bytes bound what
 * large objects cost (a pinned 4 MiB object per change), the count what each event costs beside
 * its encoding. Thread-safe.
 */
public final class HistoryLog {
  /** Events kept at most for connected clients that lag behind (or 10 x max-records if more). */
  public static final long LIVE_CAP = 200_000;
  /** Encoded bytes of events kept at most for connected clients that lag behind: 64 MiB. */
  public static final long LIVE_CAP_BYTES = 64L << 20;

  private final Clock clock;
  private LongSupplier liveFloor = () -> Long.MAX_VALUE;
  private ChangeEvent[] ring = new ChangeEvent[64];
  private int start;
  private int size;
  /** Encoded bytes of the events held. */
  private long bytes;
  private long floor;
  private long head;
  private long lastResetId = -1;
  private long maxRecords;
  private Duration expiration;

  public HistoryLog(Clock clock, long maxRecords, Duration expiration) {
    this.clock = clock;
    this.maxRecords = maxRecords;
    this.expiration = expiration;
  }

  /** The outcome of {@link #read}: events, or why the position cannot be served. */
  public sealed interface Read permits Events, Expired {}

  /** Events after the requested position, in order (possibly none: the reader is at the head). */
  public record Events(List<ChangeEvent> events) implements Read {}

  /** The requested position cannot be restored, and why. */
  public record Expired(long oldestRetained, long head, String reason) implements Read {}

  /**
   * Where the slowest connected client is: events after it are not purged by the limits
   * (only by the live cap).
   */
  public synchronized void setLiveFloor(LongSupplier floorOfConnectedClients) {
    this.liveFloor = floorOfConnectedClients;
  }

  /** Appends the next change; its id must be {@code head + 1}. */
  public synchronized void append(ChangeEvent event) {
    if (event.getEventId() != head + 1) {
      throw new IllegalStateException("event " + event.getEventId() + " does not follow head " + head);
    }
    if (size == ring.length) {
      grow();
    }
    ring[(start + size) % ring.length] = event;
    size++;
    bytes += event.getSerializedSize();
    head = event.getEventId();
    purge();
  }

  /** Empties the log at the reset event {@code resetEventId} (which is not kept). */
  public synchronized void reset(long resetEventId) {
    if (resetEventId != head + 1) {
      throw new IllegalStateException("reset " + resetEventId + " does not follow head " + head);
    }
    clear();
    head = resetEventId;
    floor = resetEventId;
    lastResetId = resetEventId;
  }

  /**
   * Puts back a history log saved by {@link #events}, {@link #floor}, {@link #head} and
   * {@link #lastResetId}: the events must be exactly ids {@code floor + 1} to {@code head}.
   */
  public synchronized void restore(List<ChangeEvent> events, long restoredFloor, long restoredHead, long resetId) {
    if (events.size() != restoredHead - restoredFloor) {
      throw new IllegalStateException(events.size() + " history events cannot cover ids " + (restoredFloor + 1)
          + " to " + restoredHead);
    }
    clear();
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).getEventId() != restoredFloor + 1 + i) {
        throw new IllegalStateException("history event " + events.get(i).getEventId() + " where "
            + (restoredFloor + 1 + i) + " belongs");
      }
      if (size == ring.length) {
        grow();
      }
      ring[size++] = events.get(i);
      bytes += events.get(i).getSerializedSize();
    }
    floor = restoredFloor;
    head = restoredHead;
    lastResetId = resetId;
  }

  /**
   * The whole log in one consistent cut — a purge running on another thread cannot fall between
   * reading the floor and reading the events — as {@link #restore} takes it back.
   */
  public record Snapshot(List<ChangeEvent> events, long floor, long head, long lastResetId) {
    /**
     * Checks that {@link #restore} would take it back.
     *
     * @throws IllegalStateException saying why not
     */
    public void verify() {
      new HistoryLog(java.time.Clock.systemUTC(), Long.MAX_VALUE, Duration.ofDays(3650))
          .restore(events, floor, head, lastResetId);
    }
  }

  public synchronized Snapshot snapshot() {
    return new Snapshot(events(), floor, head, lastResetId);
  }

  /** Every event held, oldest first. */
  public synchronized List<ChangeEvent> events() {
    List<ChangeEvent> events = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      events.add(ring[(start + i) % ring.length]);
    }
    return events;
  }

  /** The HISTORY_RESET event that last emptied the log, or -1. */
  public synchronized long lastResetId() {
    return lastResetId;
  }

  /**
   * Up to {@code max} events after {@code after}, or {@link Expired} when some needed event is
   * gone or {@code after} is ahead of the head.
   */
  public synchronized Read read(long after, int max) {
    if (after > head) {
      return new Expired(floor + 1, head, "requested position " + after + " is ahead of the head " + head
          + " (the server lost its history)");
    }
    if (after < floor) {
      return new Expired(floor + 1, head, floor == lastResetId
          ? "the history log was emptied at event " + floor
          : "events up to " + floor + " were purged from the history log");
    }
    int available = (int) Math.min(head - after, max);
    List<ChangeEvent> events = new ArrayList<>(available);
    long firstId = head - size + 1;
    for (int i = 0; i < available; i++) {
      events.add(ring[(int) ((start + (after + 1 + i - firstId)) % ring.length)]);
    }
    return new Events(events);
  }

  /** Applies new limits now; returns how many records they purged. */
  public synchronized int setLimits(long newMaxRecords, Duration newExpiration) {
    maxRecords = newMaxRecords;
    expiration = newExpiration;
    return purge();
  }

  /** Drops what the limits no longer allow (also by age); returns how many. */
  public synchronized int purge() {
    int purged = 0;
    long cutoff = clock.millis() - expiration.toMillis();
    if (size == 0 || (size <= maxRecords && Timestamps.toMillis(ring[start].getTime()) >= cutoff)) {
      return 0; // within the limits: no need to ask where the connected clients are
    }
    long pinnedAfter = liveFloor.getAsLong();
    long cap = Math.max(LIVE_CAP, 10 * maxRecords);
    while (size > 0 && (size > maxRecords || Timestamps.toMillis(ring[start].getTime()) < cutoff)
        && (ring[start].getEventId() <= pinnedAfter || size > cap || bytes > LIVE_CAP_BYTES)) {
      floor = ring[start].getEventId();
      bytes -= ring[start].getSerializedSize();
      ring[start] = null;
      start = (start + 1) % ring.length;
      size--;
      purged++;
    }
    return purged;
  }

  public synchronized long head() {
    return head;
  }

  /** Positions below this are gone; a client at exactly this id can still resume. */
  public synchronized long floor() {
    return floor;
  }

  /** The oldest event still held ({@code head + 1} when empty). */
  public synchronized long oldestRetained() {
    return size == 0 ? head + 1 : head - size + 1;
  }

  public synchronized int records() {
    return size;
  }

  public synchronized long maxRecords() {
    return maxRecords;
  }

  public synchronized Duration expiration() {
    return expiration;
  }

  private void clear() {
    ring = new ChangeEvent[64];
    start = 0;
    size = 0;
    bytes = 0;
  }

  private void grow() {
    ChangeEvent[] bigger = new ChangeEvent[ring.length * 2];
    for (int i = 0; i < size; i++) {
      bigger[i] = ring[(start + i) % ring.length];
    }
    ring = bigger;
    start = 0;
  }
}
