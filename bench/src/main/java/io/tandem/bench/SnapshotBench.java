package io.tandem.bench;

import io.tandem.cli.config.ConfigLoader;
import io.tandem.cli.config.ContactCenterGenerator;
import io.tandem.common.config.ConfigSession;
import io.tandem.config.v1.ConfigServiceGrpc;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tandem bench snapshot}: a full snapshot of a large configuration, streamed and decoded. */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
    description = {"Load AGENTS agents into a Config Server, then stream a full snapshot to a client and decode it,",
        "RUNS times. Last line: snapshot: objects=N median_ms=N"})
final class SnapshotBench implements Callable<Integer> {
  @Mixin
  TransportOption transport;

  @Option(names = "--agents", defaultValue = "100000", description = "Agents to load (default ${DEFAULT-VALUE}).")
  int agents;

  @Option(names = "--runs", defaultValue = "20", description = "Measured runs (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--warmup", defaultValue = "5", description = "Unmeasured runs first (default ${DEFAULT-VALUE}).")
  int warmup;

  @Override
  public Integer call() throws Exception {
    try (BenchStack stack = BenchStack.configServerOnly(transport.transport())) {
      ConfigServiceGrpc.ConfigServiceBlockingStub stub = ConfigServiceGrpc.newBlockingStub(stack.configChannel());
      long begin = System.nanoTime();
      ConfigLoader.apply(stub, ContactCenterGenerator.generate(agents, 0, 0));
      ConfigSession session = new ConfigSession(stack.configChannel(), "bench");
      System.out.printf("loaded %d agents in %d ms%n", agents, (System.nanoTime() - begin) / 1_000_000);

      Samples samples = new Samples();
      long objects = 0;
      for (int run = 0; run < warmup + runs; run++) {
        long start = System.nanoTime();
        objects = readSnapshot(session);
        if (run >= warmup) {
          samples.add(System.nanoTime() - start);
        }
      }
      System.out.println("full snapshot: " + samples.describe());
      System.out.printf("snapshot: objects=%d median_ms=%d%n", objects, Math.round(samples.median()));
      return 0;
    }
  }

  /** Streams a whole snapshot; every object is decoded (parsed) and touched. */
  private static long readSnapshot(ConfigSession session) {
    long[] objects = {0};
    long[] nameChars = {0};
    session.snapshot(Set.of(), object -> {
      nameChars[0] += object.getName().length();
      objects[0]++;
    }, Duration.ofSeconds(60));
    if (nameChars[0] == 0 && objects[0] > 0) {
      throw new IllegalStateException("objects without names");
    }
    return objects[0];
  }
}
