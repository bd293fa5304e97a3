package io.tandem.statserver.stats;

import java.util.ArrayList;
import java.util.List;

/**
 * What arrives while a reload is being built — fed batches, and work that must follow them —
 * held in order until the new model is swapped in (or the reload given up), so none is dropped
 * and none is applied to a model about to be replaced. The bytes of held batches count against
 * a budget (statserver/reload-feed-buffer): the engine stops asking streams for more past it.
 * Not thread-safe: the engine thread owns it; {@link #heldBytes} may be read from anywhere.
 */
final class ReloadHold {
  /** What a hold gave back when it ended. */
  record Released(List<Runnable> work, long bytes) {}

  private boolean active;
  private final List<Runnable> held = new ArrayList<>();
  private volatile long heldBytes;
  private volatile long budget;

  ReloadHold(long budget) {
    this.budget = budget;
  }

  void setBudget(long bytes) {
    budget = bytes;
  }

  /** From now on work is held. */
  void begin() {
    active = true;
  }

  boolean active() {
    return active;
  }

  /** Counts a batch of {@code bytes} about to be held; true while everything held still fits the budget. */
  boolean admit(long bytes) {
    heldBytes += bytes;
    return heldBytes <= budget;
  }

  /** Holds work (a batch's, or work that must run after the batches held before it). */
  void hold(Runnable work) {
    held.add(work);
  }

  /** Ends the hold: what was held, in the order it came. */
  Released release() {
    Released released = new Released(List.copyOf(held), heldBytes);
    active = false;
    held.clear();
    heldBytes = 0;
    return released;
  }

  long heldBytes() {
    return heldBytes;
  }
}
