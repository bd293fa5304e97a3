package io.tandem.simulation;

import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A real thread lent to one simulated thread whose work may block (a snapshot read, a probe).
 * It runs that work only while the simulation hands it the turn, and hands the turn back when the
 * work ends or waits on virtual time ({@link #await}); exactly one of the two threads runs at any
 * moment, so a run stays one sequence of steps and replays. The shells' blocking calls thus wait
 * for the simulated network as they wait for a real one.
 */
final class Carrier {
  /** Thrown out of a waiting call when its process ended: the work unwinds and the thread ends. */
  static final class ProcessEnded extends Error {
    private static final long serialVersionUID = 1L;

    ProcessEnded() {
      super("the process ended", null, false, false);
    }
  }

  /** What a waiting call waits for: completed once, from a step of the simulation. */
  static final class Completion<T> {
    private final Carrier carrier;
    private boolean done;
    private T value;
    private RuntimeException failure;

    private Completion(Carrier carrier) {
      this.carrier = carrier;
    }

    void complete(T result) {
      finish(result, null);
    }

    void fail(RuntimeException why) {
      finish(null, why);
    }

    private void finish(T result, RuntimeException why) {
      if (done) {
        return;
      }
      done = true;
      value = result;
      failure = why;
      if (carrier.waitingOn == this) {
        carrier.handOver();
      }
    }
  }

  private final String name;
  private Thread thread;
  private Thread simulation;
  /** Whose turn it is; the hand-over of the turn is what orders everything the two threads do. */
  private volatile boolean carrierTurn;
  // Touched only by the thread that has the turn.
  private Runnable work;
  private Runnable whenDone;
  private Completion<?> waitingOn;
  private boolean ended;
  private Throwable failure;

  Carrier(String name) {
    this.name = name;
  }

  /** Runs {@code work} here; returns once it ended (and {@code whenDone} ran) or waits. Simulation side. */
  void run(Runnable work, Runnable whenDone) {
    if (ended || this.work != null) {
      throw new IllegalStateException(name + " is " + (ended ? "gone" : "busy"));
    }
    this.work = work;
    this.whenDone = whenDone;
    if (thread == null) {
      thread = new Thread(this::lend, "simulated " + name);
      thread.setDaemon(true);
      thread.start();
    }
    handOver();
  }

  /** Whether work is under way here (running or waiting). */
  boolean busy() {
    return work != null;
  }

  /** The process ended: work waiting here unwinds ({@link ProcessEnded}), and the thread ends. Simulation side. */
  void end() {
    if (ended) {
      return;
    }
    ended = true;
    whenDone = null;
    if (thread != null) {
      handOver();
    }
  }

  /**
   * Waits, on virtual time, for what {@code start} sets going to complete the completion it is
   * given; returns its result or throws its failure. Carrier side: a call made from another
   * thread cannot wait, and is a mistake of the simulator's.
   */
  <T> T await(Consumer<Completion<T>> start) {
    if (Thread.currentThread() != thread) {
      throw new IllegalStateException("a blocking call outside a thread that may block: " + Thread.currentThread());
    }
    if (ended) {
      throw new ProcessEnded();
    }
    Completion<T> completion = new Completion<>(this);
    start.accept(completion);
    if (!completion.done) {
      waitingOn = completion;
      handBack();
      waitingOn = null;
      if (ended) {
        throw new ProcessEnded();
      }
    }
    if (completion.failure != null) {
      throw completion.failure;
    }
    return completion.value;
  }

  /** Gives the turn to the carrier and waits until it gives it back; then reports how its work went. */
  private void handOver() {
    simulation = Thread.currentThread();
    carrierTurn = true;
    LockSupport.unpark(thread);
    // Parked at once: spinning for the carrier's few microseconds took a core the seeds on other
    // threads (and whatever else runs beside the simulation) could use.
    while (carrierTurn) {
      LockSupport.park(this);
    }
    if (failure != null) {
      Throwable failed = failure;
      failure = null;
      throw new IllegalStateException("work on simulated " + name + " failed", failed);
    }
    if (work == null && whenDone != null) {
      Runnable done = whenDone;
      whenDone = null;
      done.run();
    }
  }

  /** Carrier side: gives the turn back and waits for the next one. */
  private void handBack() {
    carrierTurn = false;
    LockSupport.unpark(simulation);
    while (!carrierTurn) {
      LockSupport.park(this);
    }
  }

  private void lend() {
    while (!carrierTurn) {
      LockSupport.park(this);
    }
    while (!ended) {
      try {
        work.run();
      } catch (ProcessEnded unwound) {
        // The process is gone, and its work with it.
      } catch (Throwable t) {
        failure = ended ? null : t;
      }
      work = null;
      if (ended) {
        break;
      }
      handBack();
    }
    carrierTurn = false;
    LockSupport.unpark(simulation);
  }
}
