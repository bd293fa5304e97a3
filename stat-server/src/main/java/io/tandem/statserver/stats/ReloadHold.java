package io.tandem.statserver.stats;

import java.util.ArrayList;
import java.util.List;

/**
 * What arrives while a reload is being built — fed batches, and work that must follow them —
 * held in order until the new model is swapped in (or the reload given up), so none is dropped
 * and none is applied to a model about to be replaced. What held batches take in memory counts
 * against the server's one feed budget ({@link FeedBudget}), which holds producers back past it.
 * Not thread-safe: the engine thread owns it.
 */
final class ReloadHold {
  /** What a hold gave back when it ended. */
  record Released(List<Runnable> work, long bytes) {}

  private boolean active;
  private final List<Runnable> held = new ArrayList<>();
  private long heldBytes;

  /** From now on work is held. */
  void begin() {
    active = true;
  }

  boolean active() {
    return active;
  }

  /** Holds work: a batch's, which takes {@code bytes}, or work that must run after the batches held before it (0). */
  void hold(Runnable work, long bytes) {
    held.add(work);
    heldBytes += bytes;
  }

  /** Ends the hold: what was held, in the order it came. */
  Released release() {
    Released released = new Released(List.copyOf(held), heldBytes);
    active = false;
    held.clear();
    heldBytes = 0;
    return released;
  }
}
