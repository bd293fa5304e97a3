package io.tandem.configserver.store;

import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.configserver.settings.ConfigServerSettings;
import io.tandem.configserver.journal.Checkpoint;
import io.tandem.common.process.DataDirectoryLock;
import io.tandem.configserver.journal.Disk;
import io.tandem.configserver.journal.Journal;
import io.tandem.configserver.journal.JournalCorruptedException;
import io.tandem.configserver.journal.format.JournalCheckpoint;
import io.tandem.configserver.store.WriteRefusedException.Reason;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's changes on disk: the data directory's lock, the journal (one frame per request),
 * and the checkpoints that replace the journal's old frames. Recovery at start is here too.
 *
 * <p>A request that cannot be made durable — the disk is full, an I/O error — is refused with
 * {@link Reason#NO_SPACE} ({@code RESOURCE_EXHAUSTED}) or {@link Reason#NOT_DURABLE}
 * ({@code UNAVAILABLE}) and alarm 21-20022, the journal left exactly as it was; the next request
 * simply tries again, so writes succeed by themselves once there is room. Only when memory could
 * not take a change the journal already holds (a bug) are writes refused until a restart, which
 * rebuilds memory from the journal.
 *
 * <p>Methods marked "store lock" are called with the store's lock held; the checkpoint is written
 * on a thread of its own and takes the store lock only to drop the journal's old frames.
 */
public final class Durability implements ChangeLog {
  private static final Logger LOG = LoggerFactory.getLogger(Durability.class);
  /** Below this many free bytes, a failed write is put down to a full disk whatever the error says. */
  private static final long NEARLY_FULL = 64 * 1024;
  /** Alarm 21-20022 at most this often while writes keep failing (the count of the others goes with it). */
  private static final long ALARM_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final ConfigServerSettings settings;
  private final Disk disk;
  private final StoreLock storeLock;
  /** Writes checkpoints off the store lock, one at a time. */
  private final ExecutorService checkpointWriter =
      Executors.newSingleThreadExecutor(new DaemonThreadFactory("journal-checkpoint"));
  private DataDirectoryLock directoryLock;
  private Journal journal;
  /** The head of the checkpoint recovery started from: journal changes up to it are already in. */
  private long checkpointHead;
  /** Journal changes not counted towards the next checkpoint: those kept by a failed one. */
  private long checkpointFailedAt;
  private boolean checkpointInFlight;
  private boolean stopping;
  /** Why writes are refused until a restart (memory and journal may disagree), or null. */
  private String broken;
  private long lastAlarmNanos;
  private LongConsumer journalForced = nanos -> { };
  private long alarmsSuppressed;

  /** The store as of one moment, captured under the store lock. */
  record Capture(JournalCheckpoint checkpoint, long journalOffset, long journalFrames, long journalEvents,
      long captureNanos) {}

  /** {@code forced} is told how long each journal append's fsync took (ns); set before {@link #open}. */
  void onJournalForce(LongConsumer forced) {
    this.journalForced = forced;
  }

  @jakarta.inject.Inject
  public Durability(ConfigServerSettings settings, Disk disk, StoreLock storeLock) {
    this.settings = settings;
    this.disk = disk;
    this.storeLock = storeLock;
  }

  /**
   * Recovery: takes the data directory's lock, loads the checkpoint into {@code restore}, then
   * replays the journal's changes after it into {@code replay}, a request at a time.
   *
   * @throws IOException naming the holder when another Config Server has the directory, or the
   *     file, offset and frame of any damage
   */
  @Override
  public void open(Memory memory) throws IOException {
    try {
      recover(memory);
    } catch (IllegalStateException e) {
      throw new JournalCorruptedException(settings.dataDir() + ": " + e.getMessage());
    }
  }

  private void recover(Memory memory) throws IOException {
    directoryLock = DataDirectoryLock.acquire(settings.dataDir(), "Config Server");
    journal = Journal.open(settings.dataDir(), settings.fsync(), disk, journalForced);
    long begin = System.nanoTime();
    Optional<JournalCheckpoint> checkpoint = Checkpoint.read(settings.dataDir(), disk);
    if (checkpoint.isPresent()) {
      memory.restore(checkpoint.get());
      checkpointHead = checkpoint.get().getHeadEventId();
      EventLog.emit(LOG, LogEvent.JOURNAL_CHECKPOINT_LOADED, "head", checkpointHead,
          "objects", checkpoint.get().getObjectsCount(), "history_records", checkpoint.get().getHistoryCount(),
          "ms", (System.nanoTime() - begin) / 1_000_000);
    }
    journal.recover(request -> {
      for (ChangeEvent event : request) {
        if (event.getEventId() > checkpointHead) {
          memory.replay(event); // earlier ones: written before the checkpoint a crash kept from emptying the journal
        }
      }
    });
  }

  @Override
  public void append(List<ChangeEvent> request) {
    if (broken != null) {
      throw new WriteRefusedException(Reason.NOT_DURABLE, broken);
    }
    try {
      journal.append(request);
    } catch (IOException e) {
      throw refused(e);
    }
  }

  /** Only this process writes the journal. */
  @Override
  public OptionalLong sharedHead() {
    return OptionalLong.empty();
  }

  /** Memory is never behind the journal: it changes in the same step. */
  @Override
  public Duration catchUpLimit() {
    return Duration.ZERO;
  }

  @Override
  public WriteRefusedException memoryBehind(RuntimeException cause) {
    broken = "the store could not apply a change its journal already holds (" + cause + "); writes are refused"
        + " until the Config Server restarts, which rebuilds it from the journal";
    LOG.error("memory and journal disagree", cause);
    alarm(broken);
    return new WriteRefusedException(Reason.NOT_DURABLE, broken);
  }

  private WriteRefusedException refused(IOException e) {
    Path dir = settings.dataDir().toAbsolutePath();
    long free = disk.usableSpace(dir);
    String cause = String.valueOf(e.getMessage());
    boolean noSpace = cause.contains("No space left") || (free >= 0 && free < NEARLY_FULL);
    String message = noSpace
        ? "no space left on the disk of data directory " + dir + " (" + free + " bytes free): the change was not"
            + " written; writes succeed again once there is room"
        : "the journal in data directory " + dir + " could not be written (" + e + "): the change was not written";
    alarm(message);
    return new WriteRefusedException(noSpace ? Reason.NO_SPACE : Reason.NOT_DURABLE, message);
  }

  private void alarm(String cause) {
    long now = System.nanoTime();
    if (lastAlarmNanos != 0 && now - lastAlarmNanos < ALARM_EVERY_NANOS) {
      alarmsSuppressed++;
      return;
    }
    EventLog.emit(LOG, LogEvent.STORAGE_FAILED, "cause", cause, "free_bytes", disk.usableSpace(settings.dataDir()),
        "data_dir", settings.dataDir().toAbsolutePath(), "suppressed_since_last", alarmsSuppressed);
    lastAlarmNanos = now;
    alarmsSuppressed = 0;
  }

  /**
   * Store lock. A checkpoint holds every object and the history log, so it is due only once the
   * journal holds more changes than that ({@code checkpointSize}) and than --checkpoint-after.
   */
  boolean checkpointDue(long checkpointSize) {
    return journal.events() - checkpointFailedAt > Math.max(settings.checkpointAfter(), checkpointSize);
  }

  @Override
  public void checkpointIfDue(long checkpointSize, Supplier<JournalCheckpoint> content) {
    if (!checkpointInFlight && !stopping && broken == null && checkpointDue(checkpointSize)) {
      checkpointInFlight = true;
      Capture capture = capture(content);
      checkpointWriter.execute(() -> {
        try {
          write(capture);
        } finally {
          synchronized (storeLock) {
            checkpointInFlight = false;
          }
        }
      });
    }
  }

  /** Store lock. Copies references only: the writing happens off the lock. */
  private Capture capture(Supplier<JournalCheckpoint> content) {
    long begin = System.nanoTime();
    JournalCheckpoint checkpoint = content.get();
    return new Capture(checkpoint, journal.size(), journal.frames(), journal.events(), System.nanoTime() - begin);
  }

  /**
   * Writes the checkpoint — only if it would restore — then drops the journal frames it holds
   * (under the store lock: writers wait only for the frames written meanwhile to be copied). If
   * it fails the journal still holds every change; the next try comes after as many changes more.
   */
  private void write(Capture capture) {
    long begin = System.nanoTime();
    JournalCheckpoint checkpoint = capture.checkpoint();
    try {
      verify(checkpoint);
      long bytes = Checkpoint.write(settings.dataDir(), checkpoint, settings.fsync(), disk);
      long waited;
      synchronized (storeLock) {
        long dropBegin = System.nanoTime();
        journal.dropBefore(capture.journalOffset(), capture.journalFrames(), capture.journalEvents());
        checkpointFailedAt = 0;
        waited = capture.captureNanos() + System.nanoTime() - dropBegin;
      }
      EventLog.emit(LOG, LogEvent.JOURNAL_CHECKPOINT_WRITTEN, "head", checkpoint.getHeadEventId(),
          "objects", checkpoint.getObjectsCount(), "history_records", checkpoint.getHistoryCount(),
          "journal_records_dropped", capture.journalEvents(), "bytes", bytes,
          "ms", (System.nanoTime() - begin) / 1_000_000, "writers_waited_ms", waited / 1_000_000);
    } catch (IOException | IllegalStateException e) {
      synchronized (storeLock) {
        checkpointFailedAt = journal.events();
      }
      EventLog.emit(LOG, LogEvent.JOURNAL_CHECKPOINT_FAILED, "head", checkpoint.getHeadEventId(), "cause", e.toString(),
          "free_bytes", disk.usableSpace(settings.dataDir()));
    }
  }

  /**
   * A checkpoint that would not restore is never written: the next start would refuse it, and the
   * journal frames it replaced would be gone.
   *
   * @throws IllegalStateException saying why it would not restore
   */
  static void verify(JournalCheckpoint checkpoint) {
    io.tandem.protocol.history.HistoryLog.Snapshot history = new io.tandem.protocol.history.HistoryLog.Snapshot(
        checkpoint.getHistoryList(), checkpoint.getHistoryFloor(), checkpoint.getHeadEventId(),
        checkpoint.getHistoryLastResetEventId());
    history.verify();
  }

  @Override
  public void stopping() {
    stopping = true;
  }

  /**
   * Waits for a checkpoint in progress; writes one if due (the next start then has less to
   * replay); releases the journal and the directory's lock.
   */
  @Override
  public void close(java.util.function.LongSupplier checkpointSize, Supplier<JournalCheckpoint> content)
      throws IOException, InterruptedException {
    checkpointWriter.shutdown();
    if (!checkpointWriter.awaitTermination(1, TimeUnit.MINUTES)) {
      EventLog.emit(LOG, LogEvent.JOURNAL_CHECKPOINT_FAILED, "head", -1, "cause",
          "still being written when the server stopped", "free_bytes", disk.usableSpace(settings.dataDir()));
    } else if (journal != null) {
      Capture capture = null;
      synchronized (storeLock) {
        if (broken == null && checkpointDue(checkpointSize.getAsLong())) {
          capture = capture(content);
        }
      }
      if (capture != null) {
        write(capture);
      }
    }
    if (journal != null) {
      journal.close();
    }
    if (directoryLock != null) {
      directoryLock.close();
    }
  }

}
