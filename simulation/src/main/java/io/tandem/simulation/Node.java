package io.tandem.simulation;

import java.util.ArrayList;
import java.util.List;

/**
 * One simulated process. Crashing loses everything in memory (a new incarnation starts on
 * restart, and whatever was scheduled for the old one is dropped); freezing defers whatever
 * arrives until the thaw, then runs it in arrival order, as a paused process does. A node knows
 * the time, the network and the trace; whatever else it talks to it is given by name.
 */
abstract class Node {
  enum State { UP, FROZEN, DOWN }

  final String name;
  final VirtualTime time;
  final Network network;
  final Trace trace;
  private State state = State.DOWN;
  private long incarnation;
  private long startedAt = -1;
  private final List<Runnable> deferred = new ArrayList<>();
  /** What ends with the current incarnation (the real threads its blocking work runs on). */
  private final List<Runnable> endings = new ArrayList<>();

  Node(String name, VirtualTime time, Network network, Trace trace) {
    this.name = name;
    this.time = time;
    this.network = network;
    this.trace = trace;
  }

  /** Starts a new incarnation. */
  final void start() {
    if (state != State.DOWN) {
      return;
    }
    incarnation++;
    state = State.UP;
    startedAt = time.now();
    trace.note(time.now(), name, "process starts");
    onStart();
  }

  /** Ends the process: its streams break, its memory is gone. */
  final void crash(String why) {
    if (state == State.DOWN) {
      return;
    }
    state = State.DOWN;
    incarnation++;
    deferred.clear();
    release();
    trace.note(time.now(), name, "process ends: " + why);
    network.nodeDown(this);
  }

  /** Runs {@code ending} when the current incarnation ends (or the run does). */
  final void onEnd(Runnable ending) {
    endings.add(ending);
  }

  /** Ends what the current incarnation holds outside the simulation: at its end, or the run's. */
  final void release() {
    List<Runnable> ending = List.copyOf(endings);
    endings.clear();
    ending.forEach(Runnable::run);
  }

  final void freeze() {
    if (state == State.UP) {
      state = State.FROZEN;
      trace.note(time.now(), name, "frozen");
    }
  }

  final void thaw() {
    if (state != State.FROZEN) {
      return;
    }
    state = State.UP;
    trace.note(time.now(), name, "thawed; " + deferred.size() + " deferred inputs run now");
    List<Runnable> waiting = List.copyOf(deferred);
    deferred.clear();
    // Now, in arrival order, before anything that arrives after the thaw.
    long current = incarnation;
    for (Runnable task : waiting) {
      if (state != State.UP || incarnation != current) {
        break;
      }
      task.run();
    }
  }

  /** Runs {@code task} for incarnation {@code of}: dropped if that one ended, deferred while frozen. */
  final void deliver(long of, Runnable task) {
    if (of != incarnation || state == State.DOWN) {
      return;
    }
    if (state == State.FROZEN) {
      deferred.add(task);
      return;
    }
    task.run();
  }

  /** When its current incarnation started (-1: never). */
  final long startedAt() {
    return startedAt;
  }

  final long incarnation() {
    return incarnation;
  }

  final boolean isUp() {
    return state == State.UP;
  }

  final boolean isRunning() {
    return state != State.DOWN;
  }

  final boolean isFrozen() {
    return state == State.FROZEN;
  }

  /** The first steps of a new incarnation. */
  abstract void onStart();
}
