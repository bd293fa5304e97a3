package io.tandem.cli.stat;

import io.tandem.stat.v1.CenterEvent;
import io.tandem.stat.v1.EventType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;

/**
 * A plausible contact center in fast motion: calls arrive at random (Poisson) in the queues,
 * wait, are answered by ready agents or abandoned, are talked and wrapped up; agents now and
 * then take a break. Sized so that about {@code eventsPerSecond} events come out and agents are
 * busy most of the time. Deterministic for a given {@link Random}; time is given by the caller.
 */
public final class ContactCenterSimulation {
  /** Events per call: queued, answered, released, after-call work ended (plus a few breaks and abandons). */
  private static final double EVENTS_PER_CALL = 4.0;
  private static final double OCCUPANCY = 0.85;
  private static final double BREAKS_PER_AGENT_PER_SECOND = 0.01;

  private final List<SimAgent> agents = new ArrayList<>();
  private final List<String> queues;
  private final Random random;
  private final double callsPerMs;
  private final double handleMs;
  private final Deque<WaitingCall> waiting = new ArrayDeque<>();
  private long nextArrivalMs = -1;
  private long lastStepMs = -1;
  private long calls;

  private enum State { READY, TALKING, AFTER_CALL_WORK, NOT_READY }

  private static final class SimAgent {
    final String name;
    State state = State.READY;
    long untilMs;

    SimAgent(String name) {
      this.name = name;
    }
  }

  private record WaitingCall(String id, String queue, long queuedAtMs) {}

  public ContactCenterSimulation(List<String> agentNames, List<String> queues, double eventsPerSecond, Random random) {
    if (agentNames.isEmpty() || queues.isEmpty()) {
      throw new IllegalArgumentException("a simulation needs at least one agent and one queue");
    }
    if (eventsPerSecond <= 0) {
      throw new IllegalArgumentException("--rate must be positive");
    }
    agentNames.forEach(n -> agents.add(new SimAgent(n)));
    this.queues = List.copyOf(queues);
    this.random = random;
    this.callsPerMs = eventsPerSecond / EVENTS_PER_CALL / 1000.0;
    this.handleMs = Math.max(1.0, OCCUPANCY * agents.size() / callsPerMs);
  }

  /** Average handle time the simulation aims at, in milliseconds. */
  public double handleMs() {
    return handleMs;
  }

  /** Calls that arrived so far. */
  public long calls() {
    return calls;
  }

  /** What happened since the previous step, up to {@code nowMs}. The first step logs everyone in. */
  public List<CenterEvent> step(long nowMs) {
    List<CenterEvent> events = new ArrayList<>();
    if (lastStepMs < 0) {
      for (SimAgent agent : agents) {
        events.add(agentEvent(EventType.AGENT_LOGIN, nowMs, agent.name));
        events.add(agentEvent(EventType.AGENT_READY, nowMs, agent.name));
      }
      nextArrivalMs = nowMs + exponential(1 / callsPerMs);
      lastStepMs = nowMs;
      return events;
    }
    double stepSeconds = (nowMs - lastStepMs) / 1000.0;
    lastStepMs = nowMs;
    while (nextArrivalMs <= nowMs) {
      String id = "call-" + ++calls;
      String queue = queues.get(random.nextInt(queues.size()));
      waiting.addLast(new WaitingCall(id, queue, nextArrivalMs));
      events.add(CenterEvent.newBuilder().setType(EventType.CALL_QUEUED).setTimestampMs(nextArrivalMs)
          .setQueue(queue).setCallId(id).build());
      nextArrivalMs += Math.max(1, exponential(1 / callsPerMs));
    }
    for (SimAgent agent : agents) {
      switch (agent.state) {
        case TALKING -> {
          if (agent.untilMs <= nowMs) {
            events.add(agentEvent(EventType.CALL_RELEASED, nowMs, agent.name));
            agent.state = State.AFTER_CALL_WORK;
            agent.untilMs = nowMs + exponential(0.25 * handleMs);
          }
        }
        case AFTER_CALL_WORK, NOT_READY -> {
          if (agent.untilMs <= nowMs) {
            events.add(agentEvent(agent.state == State.AFTER_CALL_WORK ? EventType.AFTER_CALL_WORK_ENDED
                : EventType.AGENT_READY, nowMs, agent.name));
            agent.state = State.READY;
          }
        }
        case READY -> {
          if (random.nextDouble() < BREAKS_PER_AGENT_PER_SECOND * stepSeconds) {
            events.add(agentEvent(EventType.AGENT_NOT_READY, nowMs, agent.name));
            agent.state = State.NOT_READY;
            agent.untilMs = nowMs + exponential(2 * handleMs);
          } else if (!waiting.isEmpty()) {
            WaitingCall call = waiting.pollFirst();
            events.add(CenterEvent.newBuilder().setType(EventType.CALL_ANSWERED).setTimestampMs(nowMs)
                .setAgent(agent.name).setQueue(call.queue()).setCallId(call.id()).build());
            agent.state = State.TALKING;
            agent.untilMs = nowMs + exponential(0.75 * handleMs);
          }
        }
      }
    }
    long patience = (long) (3 * handleMs);
    while (!waiting.isEmpty() && nowMs - waiting.peekFirst().queuedAtMs() > patience) {
      WaitingCall call = waiting.pollFirst();
      events.add(CenterEvent.newBuilder().setType(EventType.CALL_ABANDONED).setTimestampMs(nowMs)
          .setQueue(call.queue()).setCallId(call.id()).build());
    }
    return events;
  }

  private long exponential(double mean) {
    return (long) Math.ceil(-mean * Math.log(1 - random.nextDouble()));
  }

  private static CenterEvent agentEvent(EventType type, long at, String agent) {
    return CenterEvent.newBuilder().setType(type).setTimestampMs(at).setAgent(agent).build();
  }
}
