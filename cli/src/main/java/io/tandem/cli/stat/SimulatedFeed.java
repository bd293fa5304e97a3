package io.tandem.cli.stat;

import io.tandem.cli.config.ContactCenterGenerator;
import io.tandem.stat.v1.CenterEvent;
import io.tandem.stat.v1.EventBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A {@link ContactCenterSimulation} of a generated contact center ({@link ContactCenterGenerator}'s
 * agent and queue names) in simulated time, cut into batches as fast as they are asked for: the
 * load of benchmarks and of scenarios that feed a pair as hard as it takes it.
 */
public final class SimulatedFeed {
  /** Simulated milliseconds per step. */
  private static final long STEP_MS = 10;

  private final ContactCenterSimulation simulation;
  private final int batchSize;
  private final List<CenterEvent> pending = new ArrayList<>();
  private long nowMs;
  private long events;

  /**
   * @param agents the first {@code agents} generated agents take calls
   * @param queues the first {@code queues} generated queues receive them
   * @param eventsPerSecond of simulated time (the busier, the more events per step)
   */
  public SimulatedFeed(int agents, int queues, double eventsPerSecond, int batchSize, long seed, long startMs) {
    List<String> agentNames = new ArrayList<>();
    for (int a = 1; a <= agents; a++) {
      agentNames.add(ContactCenterGenerator.agentName(a));
    }
    List<String> queueNames = new ArrayList<>();
    for (int q = 1; q <= queues; q++) {
      queueNames.add(ContactCenterGenerator.queueName(q));
    }
    this.simulation = new ContactCenterSimulation(agentNames, queueNames, eventsPerSecond, new Random(seed));
    this.batchSize = batchSize;
    this.nowMs = startMs;
  }

  /** The next {@code batchSize} events, in the order they happened. */
  public EventBatch next() {
    while (pending.size() < batchSize) {
      pending.addAll(simulation.step(nowMs));
      nowMs += STEP_MS;
    }
    List<CenterEvent> batch = new ArrayList<>(pending.subList(0, batchSize));
    pending.subList(0, batchSize).clear();
    events += batch.size();
    return EventBatch.newBuilder().addAllEvents(batch).build();
  }

  /** Events handed out so far. */
  public long events() {
    return events;
  }
}
