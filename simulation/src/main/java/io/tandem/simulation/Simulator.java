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
 * others, so the result does not depend on the thread count), mutants until one seed catches
 * each, and the shrinking of a failing schedule to the fewest faults that still fail.
 */
final class Simulator {
  /** A failing run, as replayed by {@code --seed S --keep ... [--mutant M]}. */
  record Failure(long seed, Mutant mutant, Set<Integer> keep, int scheduled, World.Outcome outcome) {
    String replayCommand() {
      return "bin/tandem-sim --seed " + seed + " --keep " + (keep.isEmpty() ? "none"
          : keep.stream().map(String::valueOf).collect(Collectors.joining(","))) + " --trace"
          + (mutant == Mutant.NONE ? "" : " --mutant " + mutant.id);
    }
  }

  /** What a budget of seeds gave: how many ran, their steps, the failing seeds (smallest first). */
  record Exploration(long seeds, long steps, List<Long> failingSeeds) {}

  private final long maxSteps;
  private final int threads;

  Simulator(long maxSteps, int threads) {
    this.maxSteps = maxSteps;
    this.threads = threads;
  }

  World.Outcome run(long seed, Mutant mutant, Set<Integer> keep, boolean trace) {
    return new World(seed, mutant, keep, trace).run(maxSteps);
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
    List<Long> failing = java.util.Collections.synchronizedList(new ArrayList<>());
    ForkJoinPool pool = new ForkJoinPool(threads);
    try {
      pool.submit(() -> LongStream.range(first, first + count).parallel().forEach(seed -> {
        if (stopAtFirst && seed > smallestFailing.get()) {
          return;
        }
        World.Outcome outcome = run(seed, mutant, null, false);
        steps.addAndGet(outcome.steps());
        seeds.incrementAndGet();
        if (outcome.violation() != null) {
          failing.add(seed);
          smallestFailing.accumulateAndGet(seed, Math::min);
        }
      })).join();
    } finally {
      pool.shutdown();
    }
    List<Long> sorted = new ArrayList<>(failing);
    sorted.sort(Long::compare);
    return new Exploration(seeds.get(), steps.get(), sorted);
  }

  /** Removes faults one at a time, as long as the run still fails the same invariant. */
  Failure shrink(long seed, Mutant mutant) {
    List<Fault> schedule = World.schedule(seed);
    Set<Integer> keep = new TreeSet<>();
    schedule.forEach(f -> keep.add(f.index()));
    World.Outcome outcome = run(seed, mutant, keep, false);
    Invariant failed = outcome.violation().invariant();
    boolean removed = true;
    while (removed) {
      removed = false;
      for (Integer index : List.copyOf(keep)) {
        Set<Integer> fewer = new TreeSet<>(keep);
        fewer.remove(index);
        World.Outcome smaller = run(seed, mutant, fewer, false);
        if (smaller.violation() != null && smaller.violation().invariant() == failed) {
          keep.remove(index);
          outcome = smaller;
          removed = true;
        }
      }
    }
    return new Failure(seed, mutant, keep, schedule.size(), run(seed, mutant, keep, true));
  }
}
