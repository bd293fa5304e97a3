package io.tandem.simulation;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A single-threaded {@link ScheduledExecutorService} on virtual time, for one incarnation of a
 * node: each task is an event of the run, taken when the clock reaches it. Its tasks due at the
 * same millisecond run in the order they were given; against other threads' and the network's, in
 * an order drawn from the run's seed (a rank drawn for each thread), so a seed replays the same
 * interleaving and other seeds try others. The tasks of a process that ended are dropped; a frozen
 * process's wait for the thaw, as a paused thread's do.
 *
 * <p>Tasks run on the simulation's own thread, one step each. A thread whose work blocks (a
 * snapshot read, a probe) is given a {@link Carrier}: its tasks run there, and the tasks that
 * come due while one waits queue behind it, as they would behind a busy thread. Work the shell
 * hands it from a callback that never blocks ({@link #handingNonBlockingWork}) skips the
 * hand-over to the carrier; should it block all the same, the run stops and says so.
 */
final class VirtualExecutor extends AbstractExecutorService implements ScheduledExecutorService {
  private final VirtualTime time;
  private final Node node;
  private final long incarnation;
  private final Carrier carrier;
  /** Where its tasks stand among events due at the same millisecond. */
  private final int rank;
  private final Deque<Task<?>> behind = new ArrayDeque<>();
  private boolean shutdown;
  /** False for the mutant whose control loop schedules its tick once: periodic tasks run only once. */
  private boolean repeats = true;
  /** While set, tasks handed over are work that never blocks. */
  private boolean nonBlocking;

  private VirtualExecutor(VirtualTime time, Node node, Carrier carrier) {
    this.time = time;
    this.node = node;
    this.incarnation = node.incarnation();
    this.carrier = carrier;
    this.rank = time.drawRank();
  }

  /** A thread of {@code node}'s current incarnation whose work never blocks. */
  static VirtualExecutor of(VirtualTime time, Node node) {
    return new VirtualExecutor(time, node, null);
  }

  /** A thread of {@code node}'s current incarnation whose work may block: it ends with the incarnation. */
  static VirtualExecutor blocking(VirtualTime time, Node node, String name) {
    Carrier carrier = new Carrier(node.name + " " + name);
    node.onEnd(carrier::end);
    return new VirtualExecutor(time, node, carrier);
  }

  /**
   * This thread, running each periodic task once, as if it were scheduled with {@code schedule}:
   * a shell that forgets to feed itself a tick again (a mutant's).
   */
  VirtualExecutor runningPeriodicTasksOnce() {
    repeats = false;
    return this;
  }

  /**
   * Runs {@code handOver}, a callback of the shell's (a watch's delivery), marking what it hands
   * this thread as work that never blocks: it runs on the simulation's own thread.
   */
  void handingNonBlockingWork(Runnable handOver) {
    boolean outer = nonBlocking;
    nonBlocking = true;
    try {
      handOver.run();
    } finally {
      nonBlocking = outer;
    }
  }

  /** The carrier of a thread that may block (what its blocking calls wait on). */
  Carrier carrier() {
    if (carrier == null) {
      throw new IllegalStateException("this thread never blocks");
    }
    return carrier;
  }

  // ---- ScheduledExecutorService ------------------------------------------------------------------

  @Override
  public void execute(Runnable command) {
    var unused = schedule(command, 0, TimeUnit.MILLISECONDS);
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return submitAt(new Task<>(() -> {
      command.run();
      return null;
    }, time.now() + unit.toMillis(delay), 0));
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    return submitAt(new Task<>(callable, time.now() + unit.toMillis(delay), 0));
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
    return periodic(command, initialDelay, unit.toMillis(period), unit);
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
    // A step takes no virtual time: a fixed rate and a fixed delay are the same here.
    return periodic(command, initialDelay, unit.toMillis(delay), unit);
  }

  private ScheduledFuture<?> periodic(Runnable command, long initialDelay, long periodMs, TimeUnit unit) {
    if (periodMs <= 0) {
      throw new IllegalArgumentException("period " + periodMs + " ms");
    }
    return submitAt(new Task<>(() -> {
      command.run();
      return null;
    }, time.now() + unit.toMillis(initialDelay), periodMs));
  }

  private <V> Task<V> submitAt(Task<V> task) {
    if (shutdown) {
      throw new RejectedExecutionException("shut down");
    }
    task.onCarrier = carrier != null && !nonBlocking;
    time.at(task.at, rank, node, incarnation, () -> due(task));
    return task;
  }

  @Override
  public void shutdown() {
    shutdown = true;
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown = true;
    behind.clear();
    return List.of();
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return shutdown && behind.isEmpty() && (carrier == null || !carrier.busy());
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return isTerminated();
  }

  // ---- running ------------------------------------------------------------------------------------

  private void due(Task<?> task) {
    if (task.isCancelled()) {
      return;
    }
    if (carrier != null && (carrier.busy() || !behind.isEmpty())) {
      behind.add(task);
      return;
    }
    start(task);
  }

  private void start(Task<?> task) {
    if (task.onCarrier) {
      carrier.run(task::run, () -> {
        ran(task);
        next();
      });
    } else {
      task.run();
      ran(task);
      next();
    }
  }

  /** The thread is free again: the task that waited longest behind it. */
  private void next() {
    if (carrier != null && !carrier.busy() && !behind.isEmpty()) {
      start(behind.poll());
    }
  }

  /** A periodic task comes again (after a task that threw, it does not: as a thread pool does). */
  private void ran(Task<?> task) {
    if (task.period > 0 && repeats && !task.isDone() && !shutdown) {
      task.at = time.now() + task.period;
      time.at(task.at, rank, node, incarnation, () -> due(task));
    }
  }

  /** One task: its time, and once run, its result. */
  private final class Task<V> implements ScheduledFuture<V> {
    private final Callable<V> callable;
    private final long period;
    private long at;
    /** Runs on the carrier (it may block), or on the simulation's thread. */
    private boolean onCarrier;
    private boolean cancelled;
    private boolean done;
    private V result;
    private Throwable failure;

    Task(Callable<V> callable, long at, long period) {
      this.callable = callable;
      this.at = at;
      this.period = period;
    }

    void run() {
      if (cancelled) {
        return;
      }
      try {
        V value = callable.call();
        if (period == 0) {
          result = value;
          done = true;
        }
      } catch (Carrier.ProcessEnded ended) {
        throw ended;
      } catch (RuntimeException | Error e) {
        // A failing task in a real executor is kept in its future, where nobody looks: here it
        // stops the run, so no fault of a shell (or of the simulator) goes unseen.
        failure = e;
        done = true;
        throw e;
      } catch (Exception e) {
        failure = e;
        done = true;
      }
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(at - time.now(), TimeUnit.MILLISECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
      return Long.compare(getDelay(TimeUnit.MILLISECONDS), other.getDelay(TimeUnit.MILLISECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      if (done) {
        return false;
      }
      cancelled = true;
      done = true;
      return true;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return done;
    }

    @Override
    public V get() throws ExecutionException {
      if (cancelled) {
        throw new CancellationException();
      }
      if (!done) {
        throw new IllegalStateException("a simulated thread cannot wait for a task not yet run");
      }
      if (failure != null) {
        throw new ExecutionException(failure);
      }
      return result;
    }

    @Override
    public V get(long timeout, TimeUnit unit) throws ExecutionException {
      return get();
    }
  }
}
