package io.tandem.statserver.stats;

import io.tandem.config.v1.ObjectType;
import io.tandem.stat.v1.AgentState;
import io.tandem.stat.v1.CenterEvent;
import io.tandem.statserver.model.ConfigModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the contact center is doing, as the events say: each agent's state and totals, each
 * group's ready agents and totals, each queue's waiting calls. Pure: events in (checked against
 * the configuration model), the objects they changed out; no thread, no clock. Kept by object
 * name, so it survives configuration reloads ({@link #reconcile}). Not thread-safe: the
 * statistics engine's thread owns it.
 */
final class Activity {
  /** What became of one event. */
  enum Outcome { APPLIED, UNKNOWN_OBJECT, IGNORED }

  private final Map<String, AgentActivity> agents = new HashMap<>();
  private final Map<String, Totals> groupTotals = new HashMap<>();
  private final Map<String, Integer> readyByGroup = new HashMap<>();
  private final Map<String, Set<String>> waitingByQueue = new HashMap<>();
  private final Map<String, String> queueOfCall = new HashMap<>();

  /** Applies one event; the objects whose statistics it changed go into {@code touched}. */
  Outcome apply(CenterEvent e, ConfigModel model, Set<StatKey> touched) {
    long at = e.getTimestampMs();
    switch (e.getType()) {
      case AGENT_LOGIN, AGENT_LOGOUT, AGENT_READY, AGENT_NOT_READY, CALL_RELEASED, AFTER_CALL_WORK_ENDED -> {
        if (!model.contains(ObjectType.AGENT, e.getAgent())) {
          return Outcome.UNKNOWN_OBJECT;
        }
      }
      case CALL_QUEUED, CALL_ABANDONED -> {
        if (!model.contains(ObjectType.QUEUE, e.getQueue())) {
          return Outcome.UNKNOWN_OBJECT;
        }
      }
      case CALL_ANSWERED -> {
        if (!model.contains(ObjectType.AGENT, e.getAgent())) {
          return Outcome.UNKNOWN_OBJECT;
        }
      }
      default -> {
        return Outcome.IGNORED;
      }
    }
    AgentActivity agent = e.getAgent().isEmpty() ? null : agents.computeIfAbsent(e.getAgent(), k -> new AgentActivity());
    switch (e.getType()) {
      case AGENT_LOGIN, AGENT_NOT_READY -> changeState(e.getAgent(), agent, AgentState.NOT_READY, at, model, touched);
      case AGENT_READY -> changeState(e.getAgent(), agent, AgentState.READY, at, model, touched);
      case AGENT_LOGOUT -> changeState(e.getAgent(), agent, AgentState.LOGGED_OUT, at, model, touched);
      case CALL_QUEUED -> {
        if (!waitingByQueue.computeIfAbsent(e.getQueue(), k -> new HashSet<>()).add(e.getCallId())) {
          return Outcome.IGNORED;
        }
        // Queued again elsewhere (a transfer): it waits there now, and no longer where it was.
        leaveQueue(e.getCallId(), touched);
        queueOfCall.put(e.getCallId(), e.getQueue());
        touched.add(new StatKey(ObjectType.QUEUE, e.getQueue()));
      }
      case CALL_ABANDONED -> {
        if (!leaveQueue(e.getCallId(), touched)) {
          return Outcome.IGNORED;
        }
      }
      case CALL_ANSWERED -> {
        leaveQueue(e.getCallId(), touched);
        if (agent.state == AgentState.TALKING || agent.state == AgentState.LOGGED_OUT) {
          return Outcome.IGNORED;
        }
        agent.callId = e.getCallId();
        agent.talkStartedMs = at;
        agent.totals.answered++;
        for (String group : model.groupsOf(e.getAgent())) {
          groupTotals.computeIfAbsent(group, k -> new Totals()).answered++;
          touched.add(new StatKey(ObjectType.AGENT_GROUP, group));
        }
        changeState(e.getAgent(), agent, AgentState.TALKING, at, model, touched);
      }
      case CALL_RELEASED -> {
        if (agent.state != AgentState.TALKING) {
          return Outcome.IGNORED;
        }
        agent.talkMs = Math.max(0, at - agent.talkStartedMs);
        agent.afterCallWorkStartedMs = at;
        agent.callId = null;
        changeState(e.getAgent(), agent, AgentState.AFTER_CALL_WORK, at, model, touched);
      }
      case AFTER_CALL_WORK_ENDED -> {
        if (agent.state != AgentState.AFTER_CALL_WORK) {
          return Outcome.IGNORED;
        }
        long handle = agent.talkMs + Math.max(0, at - agent.afterCallWorkStartedMs);
        agent.totals.handled++;
        agent.totals.handleMs += handle;
        for (String group : model.groupsOf(e.getAgent())) {
          Totals totals = groupTotals.computeIfAbsent(group, k -> new Totals());
          totals.handled++;
          totals.handleMs += handle;
          touched.add(new StatKey(ObjectType.AGENT_GROUP, group));
        }
        changeState(e.getAgent(), agent, AgentState.READY, at, model, touched);
      }
      default -> {
        return Outcome.IGNORED;
      }
    }
    return Outcome.APPLIED;
  }

  private boolean leaveQueue(String callId, Set<StatKey> touched) {
    String queue = queueOfCall.remove(callId);
    if (queue == null) {
      return false;
    }
    Set<String> waiting = waitingByQueue.get(queue);
    if (waiting != null) {
      waiting.remove(callId);
    }
    touched.add(new StatKey(ObjectType.QUEUE, queue));
    return true;
  }

  private void changeState(String name, AgentActivity agent, AgentState state, long at, ConfigModel model,
      Set<StatKey> touched) {
    boolean wasReady = agent.state == AgentState.READY;
    boolean isReady = state == AgentState.READY;
    agent.enter(state, at);
    touched.add(new StatKey(ObjectType.AGENT, name));
    if (wasReady != isReady) {
      for (String group : model.groupsOf(name)) {
        readyByGroup.merge(group, isReady ? 1 : -1, Integer::sum);
        touched.add(new StatKey(ObjectType.AGENT_GROUP, group));
      }
    }
  }

  private int countReady(String group, ConfigModel model) {
    int ready = 0;
    for (String member : model.members(group)) {
      AgentActivity activity = agents.get(member);
      if (activity != null && activity.state == AgentState.READY) {
        ready++;
      }
    }
    return ready;
  }

  /** After a reload: forget what the new model does not have, and count every group's ready agents anew. */
  void reconcile(ConfigModel model) {
    agents.keySet().removeIf(name -> !model.contains(ObjectType.AGENT, name));
    groupTotals.keySet().removeIf(name -> !model.contains(ObjectType.AGENT_GROUP, name));
    waitingByQueue.keySet().removeIf(name -> !model.contains(ObjectType.QUEUE, name));
    readyByGroup.clear();
    for (String group : model.groupNames()) {
      readyByGroup.put(group, countReady(group, model));
    }
  }

  /** A group's members changed: count its ready agents anew. */
  void recount(String group, ConfigModel model) {
    readyByGroup.put(group, countReady(group, model));
  }

  /** The object left the configuration. */
  void forget(StatKey key) {
    switch (key.type()) {
      case AGENT -> agents.remove(key.name());
      case QUEUE -> waitingByQueue.remove(key.name());
      default -> {
        groupTotals.remove(key.name());
        readyByGroup.remove(key.name());
      }
    }
  }

  /** Every object with any activity, for a whole new view. */
  List<StatKey> keys() {
    List<StatKey> keys = new ArrayList<>();
    agents.keySet().forEach(name -> keys.add(new StatKey(ObjectType.AGENT, name)));
    Set<String> groups = new HashSet<>(readyByGroup.keySet());
    groups.addAll(groupTotals.keySet());
    groups.forEach(name -> keys.add(new StatKey(ObjectType.AGENT_GROUP, name)));
    waitingByQueue.keySet().forEach(name -> keys.add(new StatKey(ObjectType.QUEUE, name)));
    return keys;
  }

  /** An agent's or group's totals now (not to be changed by the caller). */
  Totals totals(StatKey key) {
    if (key.type() == ObjectType.AGENT) {
      AgentActivity agent = agents.get(key.name());
      return agent == null ? new Totals() : agent.totals;
    }
    if (key.type() == ObjectType.AGENT_GROUP) {
      return groupTotals.getOrDefault(key.name(), new Totals());
    }
    return new Totals();
  }

  /** What {@code key}'s statistics are computed from now. */
  Reading readingOf(StatKey key) {
    switch (key.type()) {
      case AGENT -> {
        AgentActivity agent = agents.get(key.name());
        return agent == null ? Reading.NONE : new Reading(agent.state, agent.sinceMs, 0, agent.totals.answered,
            agent.totals.handled, agent.totals.handleMs);
      }
      case AGENT_GROUP -> {
        Totals totals = groupTotals.getOrDefault(key.name(), new Totals());
        return new Reading(AgentState.LOGGED_OUT, 0, readyByGroup.getOrDefault(key.name(), 0), totals.answered,
            totals.handled, totals.handleMs);
      }
      case QUEUE -> {
        return new Reading(AgentState.LOGGED_OUT, 0, waitingByQueue.getOrDefault(key.name(), Set.of()).size(), 0, 0, 0);
      }
      default -> {
        return Reading.NONE;
      }
    }
  }
}
