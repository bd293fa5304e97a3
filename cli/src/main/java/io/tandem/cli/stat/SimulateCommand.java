package io.tandem.cli.stat;

import io.tandem.common.security.AccessRule;
import io.tandem.common.security.TransportSecurity;
import io.tandem.common.security.TlsFlags;
import io.tandem.cli.link.Endpoint;
import io.tandem.cli.config.ConfigServerOption;
import io.tandem.client.FeedPublisher;
import io.tandem.client.WarmStandbyClient;
import io.tandem.config.v1.ObjectType;
import io.tandem.stat.v1.CenterEvent;
import io.tandem.stat.v1.EventBatch;
import io.tandem.stat.v1.FeedProgress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tandem simulate}: contact-center traffic into a pair, through the warm-standby client. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = {"Generate contact-center traffic (calls queued, answered, abandoned, released, after-call work,",
        "agent breaks) for AGENTS agents and every queue of the configuration, and feed it to both members of the pair."})
public final class SimulateCommand implements Callable<Integer> {
  private static final long STEP_MS = 10;
  /**
   * Events per Feed batch at most: with names of 255 characters, well within what a Stat Server
   * takes in one message (MessageLimits.MAX_FEED_BATCH_BYTES).
   */
  private static final int EVENTS_PER_BATCH = 100;

  @Mixin
  PairOption pair;

  @Mixin
  TlsFlags tls;

  @Mixin
  ConfigServerOption configServer;

  @Option(names = "--agents", defaultValue = "50", description = "Agents to simulate, the first ones of the configuration (default ${DEFAULT-VALUE}).")
  int agents;

  @Option(names = "--rate", defaultValue = "500", description = "Events per second (default ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--seconds", defaultValue = "30", description = "How long (default ${DEFAULT-VALUE}).")
  long seconds;

  @Option(names = "--seed", defaultValue = "42", description = "Random seed: the same seed gives the same traffic (default ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws Exception {
    List<String> agentNames = new ArrayList<>();
    List<String> queueNames = new ArrayList<>();
    try (Endpoint endpoint = configServer.open(tls)) {
      ConfigServerOption.session(endpoint).snapshot(Set.of(ObjectType.AGENT, ObjectType.QUEUE),
          o -> (o.getType() == ObjectType.AGENT ? agentNames : queueNames).add(o.getName()), Endpoint.CALL_DEADLINE);
    }
    if (agentNames.size() < agents) {
      System.err.printf("tandem: --agents %d, but the configuration has only %d agents%n", agents, agentNames.size());
      return 1;
    }
    if (queueNames.isEmpty()) {
      System.err.println("tandem: the configuration has no queues to send calls to");
      return 1;
    }
    ContactCenterSimulation simulation = new ContactCenterSimulation(agentNames.subList(0, agents), queueNames, rate,
        new Random(seed));
    System.out.printf("simulating %d agents, %d queues, %.0f events/s for %d s (handle time about %.0f ms)%n",
        agents, queueNames.size(), rate, seconds, simulation.handleMs());
    long sent = 0;
    try (TransportSecurity security = tls.forCommand(AccessRule.OPERATOR);
         WarmStandbyClient client = pair.connect(security); FeedPublisher feed = client.feed()) {
      long start = System.nanoTime();
      long end = start + TimeUnit.SECONDS.toNanos(seconds);
      long nextStep = start;
      while (System.nanoTime() < end) {
        List<CenterEvent> events = simulation.step(System.currentTimeMillis());
        for (int from = 0; from < events.size(); from += EVENTS_PER_BATCH) {
          feed.publish(EventBatch.newBuilder()
              .addAllEvents(events.subList(from, Math.min(events.size(), from + EVENTS_PER_BATCH))).build());
        }
        sent += events.size();
        nextStep += TimeUnit.MILLISECONDS.toNanos(STEP_MS);
        LockSupport.parkNanos(Math.max(0, nextStep - System.nanoTime()));
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      List<FeedProgress> summaries = feed.finish().get(60, TimeUnit.SECONDS);
      System.out.printf("sent %d events (%.0f/s), %d calls, as producer %s%n", sent, sent / elapsed,
          simulation.calls(), feed.producerId());
      for (int i = 0; i < summaries.size(); i++) {
        FeedProgress s = summaries.get(i);
        System.out.printf("member %d (%s): applied through batch %d; accepted %d, unknown object %d, ignored %d,"
            + " re-sent batches skipped %d%n", i + 1, pair.members.get(i), s.getAppliedThrough(), s.getAccepted(),
            s.getUnknownObject(), s.getIgnored(), s.getDuplicateBatches());
      }
      return 0;
    }
  }
}
