package io.tandem.configserver.store;

import io.tandem.config.v1.ChangeEvent;
import io.tandem.configserver.journal.format.JournalCheckpoint;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Where the store's committed changes are kept so that they outlive the process: the journal on
 * the local disk ({@link Durability}) or a shared log in etcd that several Config Servers write
 * through and follow. {@link ConfigStore} validates, asks the log to commit, and only then
 * changes memory; methods marked "store lock" are called with the store's lock held.
 */
public interface ChangeLog {
  /** The store in memory, as the log puts it back and, for a shared log, keeps it up to date. */
  interface Memory {
    /** Puts back a checkpoint (at start, before any change). */
    void restore(JournalCheckpoint checkpoint);

    /** Replays one change after the checkpoint (at start, in order). */
    void replay(ChangeEvent event);

    /**
     * After start: the changes of one request another process committed, in order. Called
     * without the store lock; changes memory already holds are ignored, a gap is refused.
     */
    void follow(List<ChangeEvent> request);

    /** The last change memory holds. */
    long head();
  }

  /**
   * Recovery: puts the store back into {@code memory}, then (a shared log) keeps following it.
   *
   * @throws IOException when the log cannot be opened or read, saying where and why
   */
  void open(Memory memory) throws IOException;

  /**
   * Store lock. The request's changes, durable when this returns; refused with nothing written
   * otherwise ({@link WriteRefusedException}), or {@link StaleHeadException} when another process
   * committed first and memory must catch up before the request is validated again.
   */
  void append(List<ChangeEvent> request);

  /**
   * The last change any process committed, for a log other processes write too; empty for a log
   * only this process writes (memory's head is then the log's). Not called with the store lock.
   *
   * @throws WriteRefusedException when the shared log does not answer in time
   */
  OptionalLong sharedHead();

  /** How long memory may take to hold what the shared log already does before a caller gives up. */
  Duration catchUpLimit();

  /** Store lock. Memory could not take changes the log holds: writes are refused until a restart. */
  WriteRefusedException memoryBehind(RuntimeException cause);

  /** Store lock. Starts a checkpoint of {@code content} (the store as of now) if one is due and none is running. */
  void checkpointIfDue(long checkpointSize, Supplier<JournalCheckpoint> content);

  /** Store lock. No new checkpoint starts after this. */
  void stopping();

  /** Stops following, writes a checkpoint if one is due, and releases what the log holds. */
  void close(LongSupplier checkpointSize, Supplier<JournalCheckpoint> content) throws IOException, InterruptedException;
}
