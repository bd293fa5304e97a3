package io.tandem.simulation;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bin/tandem-sim}: explores seeds, runs the mutants, replays one seed with its trace. */
@Command(name = "tandem-sim", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Runs the reload and switchover protocol in a deterministic simulated world under seeded fault"
        + " schedules, checking the invariants after every step (see simulation/README.md).",
        "Ends with: simulation: seeds=N steps=M violations=V mutants_caught=K/T"})
public final class SimulationMain implements Callable<Integer> {
  private static final int TRACE_TAIL = 60;

  @Option(names = "--seeds", description = "How many seeds to explore (default: ${DEFAULT-VALUE}).", defaultValue = "10000")
  long seeds;

  @Option(names = "--first-seed", description = "The first seed explored (default: ${DEFAULT-VALUE}).", defaultValue = "1")
  long firstSeed;

  @Option(names = "--steps", description = "Most steps one run may take (default: ${DEFAULT-VALUE}).",
      defaultValue = "200000")
  long steps;

  @Option(names = "--seed", description = "Run this one seed only.")
  Long seed;

  @Option(names = "--keep", split = ",", description = "With --seed: only these faults of its schedule (as a failing"
      + " run prints them; 'none' for none).")
  List<String> keep;

  @Option(names = "--trace", description = "With --seed: print the whole trace of the run.")
  boolean trace;

  @Option(names = "--mutant", description = "Run the world with this deliberately broken rule (${COMPLETION-CANDIDATES}).",
      completionCandidates = MutantNames.class)
  String mutant;

  @Option(names = "--mutants", description = "After the seeds, run every mutant until a seed catches it.")
  boolean mutants;

  @Option(names = "--threads", description = "Worker threads (default: the number of processors).")
  Integer threads;

  @Option(names = "--layout", description = "Only this layout's world: one (one Management Layer) or two (two over"
      + " etcd); default: each seed in both, one then two.")
  String layout;

  private final PrintStream out;

  SimulationMain(PrintStream out) {
    this.out = out;
  }

  /** The mutants' names, for the help. */
  static final class MutantNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return List.of(Mutant.known().split(", ")).iterator();
    }
  }

  public static void main(String[] args) {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.OFF);
    System.exit(new CommandLine(new SimulationMain(System.out)).execute(args));
  }

  @Override
  public Integer call() throws IOException {
    if (seeds < 1 || steps < 1) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--seeds and --steps must be at least 1");
    }
    Mutant broken = mutant == null ? Mutant.NONE : Mutant.byId(mutant);
    List<World.Layout> layouts = layout == null ? List.of(World.Layout.values()) : List.of(World.Layout.byId(layout));
    Simulator simulator = new Simulator(steps, threads == null ? Runtime.getRuntime().availableProcessors() : threads,
        layouts);
    if (seed != null) {
      return replay(simulator, broken, layouts);
    }
    if (keep != null || trace) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--keep and --trace need --seed");
    }
    Simulator.Exploration explored = simulator.explore(firstSeed, seeds, broken, broken != Mutant.NONE);
    long violations = explored.failing().size();
    if (broken != Mutant.NONE) {
      out.println(violations == 0 ? "mutant " + broken.id + " NOT caught in " + seeds + " seeds"
          : "mutant " + broken.id + " caught by seed " + named(explored.failing().get(0)));
    }
    if (violations > 0) {
      printFailure(simulator.shrink(explored.failing().get(0), broken), false);
      if (violations > 1) {
        out.println("other failing seeds: " + explored.failing().subList(1, (int) Math.min(violations, 20)).stream()
            .map(SimulationMain::named).toList());
      }
    }
    String caught = lastMutantRun();
    boolean allCaught = true;
    if (mutants) {
      int found = 0;
      int total = 0;
      for (Mutant m : Mutant.values()) {
        if (m == Mutant.NONE) {
          continue;
        }
        total++;
        Simulator.Exploration run = simulator.explore(firstSeed, seeds, m, true);
        if (run.failing().isEmpty()) {
          out.println("mutant " + m.id + " (" + m.description + "): NOT caught in " + seeds + " seeds");
          allCaught = false;
        } else {
          found++;
          Simulator.Failing by = run.failing().get(0);
          World.Outcome outcome = simulator.run(by.seed(), by.layout(), m, null, false);
          out.println("mutant " + m.id + " (" + m.description + "): caught by seed " + named(by) + ", "
              + outcome.violation().invariant().id);
        }
      }
      caught = found + "/" + total;
      saveMutantRun(caught);
    }
    out.println("simulation: seeds=" + explored.seeds() + " steps=" + explored.steps() + " violations=" + violations
        + " mutants_caught=" + caught);
    boolean expected = broken == Mutant.NONE ? violations == 0 : violations > 0;
    return expected && allCaught ? 0 : 1;
  }

  /** A failing seed as the output names it: with its layout. */
  private static String named(Simulator.Failing failing) {
    return failing.seed() + " (" + failing.layout().id + ")";
  }

  private int replay(Simulator simulator, Mutant broken, List<World.Layout> layouts) {
    Set<Integer> kept = null;
    if (keep != null) {
      kept = new TreeSet<>();
      for (String index : keep) {
        if (!index.equals("none")) {
          try {
            kept.add(Integer.parseInt(index.trim()));
          } catch (NumberFormatException e) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                "--keep: '" + index + "' is not a fault number (a failing run prints them, e.g. --keep 0,3)");
          }
        }
      }
    }
    if (kept != null && layouts.size() > 1) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--keep needs --layout: each layout's world draws a schedule of its own");
    }
    long stepsTaken = 0;
    boolean violated = false;
    for (World.Layout each : layouts) {
      World.Outcome outcome = simulator.run(seed, each, broken, kept, true);
      stepsTaken += outcome.steps();
      if (outcome.violation() != null) {
        List<Fault> schedule = World.schedule(seed, each);
        Set<Integer> struck = kept != null ? kept
            : schedule.stream().map(Fault::index).collect(Collectors.toCollection(TreeSet::new));
        printFailure(new Simulator.Failure(seed, each, broken, struck, schedule.size(), outcome), trace);
        violated = true;
        break;
      }
      if (trace) {
        outcome.trace().forEach(out::println);
      }
      out.println("seed " + seed + " (" + each.id + ")" + (broken == Mutant.NONE ? "" : " with mutant " + broken.id)
          + ": no violation, " + outcome.steps() + " steps, " + outcome.endedAtMs() + " ms of virtual time");
    }
    out.println("simulation: seeds=1 steps=" + stepsTaken + " violations=" + (violated ? 1 : 0)
        + " mutants_caught=" + lastMutantRun());
    return !violated || broken != Mutant.NONE ? 0 : 1;
  }

  private void printFailure(Simulator.Failure failure, boolean wholeTrace) {
    World.Outcome outcome = failure.outcome();
    out.println("seed " + failure.seed() + " (" + failure.layout().id + (failure.mutant() == Mutant.NONE ? ""
        : ", mutant " + failure.mutant().id) + "): " + outcome.violation().describe());
    out.println("faults: " + outcome.faults().size() + " of the " + failure.scheduled() + " scheduled");
    outcome.faults().forEach(f -> out.println("  at " + f.atMs() + " ms: " + f.describe()));
    out.println("replay: " + failure.replayCommand());
    List<String> lines = outcome.trace();
    if (!wholeTrace && lines.size() > TRACE_TAIL) {
      out.println("trace (last " + TRACE_TAIL + " of " + lines.size() + " lines):");
      lines = lines.subList(lines.size() - TRACE_TAIL, lines.size());
    } else {
      out.println("trace:");
    }
    lines.forEach(line -> out.println("  " + line));
  }

  private static Path mutantRunFile() {
    return Path.of(System.getProperty("tandem.home", "."), ".tandem", "simulation-mutants");
  }

  private static String lastMutantRun() {
    try {
      return Files.exists(mutantRunFile()) ? Files.readString(mutantRunFile()).trim() : "0/0";
    } catch (IOException e) {
      return "0/0";
    }
  }

  private static void saveMutantRun(String caught) throws IOException {
    Files.createDirectories(mutantRunFile().getParent());
    Files.writeString(mutantRunFile(), caught + "\n");
  }
}
