package io.tandem.simulation;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * Runs worlds: a budget of seeds (in parallel, each run on one thread and independent of the
 * others, so the result does not depend on the thread count), each seed in every layout of
 * {@code layouts} until one fails, mutants until one seed catches each, and the shrinking of a
 * failing schedule to the fewest faults that still fail.
 */
final class Simulator {
  /** A failing run, as replayed by {@code --seed S --layout L --keep ... [--mutant M]}. */
  record Failure(long seed, World.Layout layout, Mutant mutant, Set<Integer> keep, int scheduled,
      World.Outcome outcome) {
    String replayCommand() {
      return "bin/tandem-sim --seed " + seed + " --layout " + layout.id + " --keep " + (keep.isEmpty() ? "none"
          : keep.stream().map(String::valueOf).collect(Collectors.joining(","))) + " --trace"
          + (mutant == Mutant.NONE ? "" : " --mutant " + mutant.id);
    }
  }

  /** A seed that failed, and in which layout's world. */
  record Failing(long seed, World.Layout layout) {}

  /** What a budget of seeds gave: how many ran, their steps, the failing seeds (smallest first). */
  record Exploration(long seeds, long steps, List<Failing> failing) {}

  private final long maxSteps;
  private final int threads;
  private final List<World.Layout> layouts;

  /** Each seed runs in every layout of {@code layouts}, in order, until one fails. */
  Simulator(long maxSteps, int threads, List<World.Layout> layouts) {
    this.maxSteps = maxSteps;
    this.threads = threads;
    this.layouts = List.copyOf(layouts);
  }

  World.Outcome run(long seed, World.Layout layout, Mutant mutant, Set<Integer> keep, boolean trace) {
    return new World(seed, layout, mutant, keep, trace).run(maxSteps);
  }

  /** One run with {@code serve-during-reload} off, as the schedules found before the option replay. */
  World.Outcome runWithoutServingDuringReload(long seed, World.Layout layout, Mutant mutant, Set<Integer> keep,
      boolean trace) {
    return new World(seed, layout, mutant, keep, trace, false).run(maxSteps);
  }

  /**
   * Runs seeds {@code first} to {@code first + count - 1}. With {@code stopAtFirst}, seeds above the
   * smallest failing one found so far are skipped, so the seed reported is the smallest failing
   * one whatever the threads did.
   */
  Exploration explore(long first, long count, Mutant mutant, boolean stopAtFirst) {
    AtomicLong steps = new AtomicLong();
    AtomicLong seeds = new AtomicLong();
    AtomicLong smallestFailing = new AtomicLong(Long.MAX_VALUE);
    List<Failing> failing = java.util.Collections.synchronizedList(new ArrayList<>());
    ForkJoinPool pool = new ForkJoinPool(threads);
    try {
      pool.submit(() -> LongStream.range(first, first + count).parallel().forEach(seed -> {
        if (stopAtFirst && seed > smallestFailing.get()) {
          return;
        }
        seeds.incrementAndGet();
        for (World.Layout layout : layouts) {
          World.Outcome outcome = run(seed, layout, mutant, null, false);
          steps.addAndGet(outcome.steps());
          if (outcome.violation() != null) {
            failing.add(new Failing(seed, layout));
            smallestFailing.accumulateAndGet(seed, Math::min);
            return;
          }
        }
      })).join();
    } finally {
      pool.shutdown();
    }
    List<Failing> sorted = new ArrayList<>(failing);
    sorted.sort((x, y) -> Long.compare(x.seed(), y.seed()));
    return new Exploration(seeds.get(), steps.get(), sorted);
  }

  /** Removes faults one at a time, as long as the run still fails the same invariant. */
  Failure shrink(Failing failing, Mutant mutant) {
    long seed = failing.seed();
    World.Layout layout = failing.layout();
    List<Fault> schedule = World.schedule(seed, layout);
    Set<Integer> keep = new TreeSet<>();
    schedule.forEach(f -> keep.add(f.index()));
    World.Outcome outcome = run(seed, layout, mutant, keep, false);
    Invariant failed = outcome.violation().invariant();
    boolean removed = true;
    while (removed) {
      removed = false;
      for (Integer index : List.copyOf(keep)) {
        Set<Integer> fewer = new TreeSet<>(keep);
        fewer.remove(index);
        World.Outcome smaller = run(seed, layout, mutant, fewer, false);
        if (smaller.violation() != null && smaller.violation().invariant() == failed) {
          keep.remove(index);
          outcome = smaller;
          removed = true;
        }
      }
    }
    return new Failure(seed, layout, mutant, keep, schedule.size(), run(seed, layout, mutant, keep, true));
  }
}
