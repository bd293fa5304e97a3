package io.tandem.statserver.model;

import io.tandem.common.config.ObjectTypes;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ChangeKind;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The configuration statistics are computed on: which agents, groups (and their members) and
 * queues exist. Built from a snapshot beside the model in use, then swapped in; kept current
 * by applying changes. Not thread-safe: the statistics engine owns the model in use.
 */
public final class ConfigModel {
  // Everything is concurrent: the statistics engine changes the model on its thread while
  // GetStatistic handlers check objects exist on theirs, and a reload reads the model in use
  // from the configuration thread to share what did not change (once the engine handed it over
  // at a barrier: from then on it changes it no more until the swap).
  /**
   * Each agent by name, with the groups it is in: one entry an agent, so a rebuild takes the model
   * in use's entry with one lookup and one insert, and an unchanged agent costs nothing more.
   */
  private final Map<String, Agent> agents;
  private final Map<String, List<String>> groups;
  private final Set<String> queues;
  private long eventId;
  /**
   * While a snapshot fills this model: the model in use, whose names and lists it takes where
   * they are equal, so a reload allocates little more than its maps' entries (a young
   * collection in mid-reload then copies a few megabytes, not the whole configuration again).
   */
  private ConfigModel basis;
  /** While building from a basis: the groups in the order they came, and whether each was as in the basis. */
  private List<String> groupsInOrder;
  private boolean groupsAsInBasis;

  /**
   * An agent and the groups it is a member of, in the order it joined them. Immutable, replaced
   * on change, so models can share it: most agents are in one group, and a one-element list costs
   * a fraction of a set, which matters with 100,000 agents on every reload. Only Agents are
   * members of groups: the Config Server refuses a member that is not one, and the deletion of an
   * Agent a group still names.
   */
  private record Agent(String name, List<String> groups) {
    Agent joined(String group) {
      List<String> more = with(groups, group);
      return more == groups ? this : new Agent(name, more);
    }

    Agent left(String group) {
      List<String> rest = without(groups, group);
      return rest == groups ? this : new Agent(name, rest);
    }
  }

  /** How many objects of each kind a model holds: a reload builds its model sized like the one in use. */
  public record Sizes(int agents, int groups, int queues) {
    public static final Sizes SMALL = new Sizes(16, 16, 16);
  }

  public ConfigModel() {
    this(Sizes.SMALL);
  }

  /**
   * A model for about {@code expected} objects: its maps are made that large at once, rather
   * than grown and rehashed step by step while 100,000 agents arrive.
   */
  private ConfigModel(Sizes expected) {
    agents = new ConcurrentHashMap<>(expected.agents());
    groups = new ConcurrentHashMap<>(expected.groups());
    queues = ConcurrentHashMap.newKeySet(expected.queues());
  }

  /**
   * An empty model to fill from a snapshot, sized like {@code inUse} and sharing its unchanged
   * names and lists; {@link #finishBuilding} lets {@code inUse} go.
   */
  public static ConfigModel rebuiltFrom(ConfigModel inUse) {
    ConfigModel model = new ConfigModel(inUse.sizes());
    model.basis = inUse;
    model.groupsInOrder = new ArrayList<>(inUse.groups.size());
    model.groupsAsInBasis = true;
    return model;
  }

  /**
   * Ends a {@link #rebuiltFrom} build: each agent's groups are settled, and the model no longer
   * refers to the one it replaces. Agents came with their groups in the model in use; when every
   * group came as the model in use has it (a reload after a lost session, mostly), those are right
   * as they are. Otherwise each agent's groups are joined anew in the order the groups came, and an
   * agent whose list comes out as before keeps its entry.
   */
  public void finishBuilding() {
    if (basis == null) {
      return;
    }
    if (!groupsAsInBasis || groups.size() != basis.groups.size()) {
      Map<String, List<String>> joined = new HashMap<>();
      for (String group : groupsInOrder) {
        for (String agent : groups.get(group)) {
          joined.merge(agent, List.of(group), (of, one) -> with(of, group));
        }
      }
      agents.replaceAll((name, agent) -> {
        List<String> of = joined.getOrDefault(name, List.of());
        return agent.groups().equals(of) ? agent : new Agent(agent.name(), of);
      });
    }
    basis = null;
    groupsInOrder = null;
  }

  /** How many objects of each kind it holds now. */
  public Sizes sizes() {
    return new Sizes(agents.size(), groups.size(), queues.size());
  }

  /** What a change did to the model, for the statistics that depend on it. */
  public record Change(ObjectType type, String name, boolean deleted, Set<String> membersTouched) {
    static Change none() {
      return new Change(ObjectType.OBJECT_TYPE_UNSPECIFIED, "", false, Set.of());
    }
  }

  /** Adds (or replaces) an object while building; Applications are not part of the model. */
  public void put(ConfigObject object) {
    switch (object.getType()) {
      case AGENT -> putAgent(object.getName());
      case AGENT_GROUP -> putGroup(object.getName(), object.getAgentGroup().getMembersList());
      case QUEUE -> putQueue(object.getName());
      default -> { }
    }
  }

  /** Adds an agent (in no group yet; while building from a basis, in the groups it has there). */
  public void putAgent(String name) {
    Agent kept = basis == null ? null : basis.agents.get(name);
    Agent agent = kept == null ? new Agent(name, List.of()) : kept;
    agents.put(agent.name(), agent);
  }

  /** A group and its members ({@code members} is copied). */
  public void putGroup(String name, List<String> members) {
    if (basis == null) {
      setMembers(name, canonical(members));
      return;
    }
    List<String> kept = basis.groups.get(name);
    boolean same = kept != null && kept.equals(members);
    groupsAsInBasis &= same;
    groups.put(name, same ? kept : canonical(members));
    groupsInOrder.add(name);
  }

  public void putQueue(String name) {
    queues.add(name);
  }

  /** Applies one change; says which object changed and which agents' group membership moved. */
  public Change apply(ChangeEvent event) {
    eventId = Math.max(eventId, event.getEventId());
    ConfigObject object = event.getObject();
    boolean deleted = event.getKind() == ChangeKind.DELETED;
    switch (object.getType()) {
      case AGENT -> {
        if (deleted) {
          agents.remove(object.getName());
        } else {
          agents.computeIfAbsent(object.getName(), name -> new Agent(name, List.of()));
        }
        return new Change(ObjectType.AGENT, object.getName(), deleted, Set.of());
      }
      case AGENT_GROUP -> {
        Set<String> touched = new LinkedHashSet<>(groups.getOrDefault(object.getName(), List.of()));
        if (deleted) {
          setMembers(object.getName(), null);
        } else {
          touched.addAll(object.getAgentGroup().getMembersList());
          setMembers(object.getName(), canonical(object.getAgentGroup().getMembersList()));
        }
        return new Change(ObjectType.AGENT_GROUP, object.getName(), deleted, touched);
      }
      case QUEUE -> {
        if (deleted) {
          queues.remove(object.getName());
        } else {
          queues.add(object.getName());
        }
        return new Change(ObjectType.QUEUE, object.getName(), deleted, Set.of());
      }
      default -> {
        return Change.none();
      }
    }
  }

  private void setMembers(String group, List<String> members) {
    List<String> previous = groups.remove(group);
    if (previous != null) {
      for (String agent : previous) {
        agents.computeIfPresent(agent, (name, of) -> of.left(group));
      }
    }
    if (members != null) {
      groups.put(group, members);
      join(group, members);
    }
  }

  private void join(String group, List<String> members) {
    for (String agent : members) {
      agents.computeIfPresent(agent, (name, of) -> of.joined(group));
    }
  }

  /** Whether the object exists; safe from any thread. */
  public boolean contains(ObjectType type, String name) {
    return switch (type) {
      case AGENT -> agents.containsKey(name);
      case AGENT_GROUP -> groups.containsKey(name);
      case QUEUE -> queues.contains(name);
      default -> false;
    };
  }

  /** "no Agent 'x' in the configuration", for refusals. */
  public static String missing(ObjectType type, String name) {
    return "no " + ObjectTypes.displayName(type) + " '" + name + "' in the configuration";
  }

  public List<String> members(String group) {
    return groups.getOrDefault(group, List.of());
  }

  /** The groups {@code agent} is a member of, in the order it joined them. */
  public List<String> groupsOf(String agent) {
    Agent of = agents.get(agent);
    return of == null ? List.of() : of.groups();
  }

  private static List<String> with(List<String> groups, String group) {
    if (groups.contains(group)) {
      return groups;
    }
    String[] more = groups.toArray(new String[groups.size() + 1]);
    more[groups.size()] = group;
    return List.of(more);
  }

  /** An immutable copy naming each agent by the instance this model holds, where it holds one. */
  private List<String> canonical(List<String> members) {
    String[] names = new String[members.size()];
    for (int i = 0; i < names.length; i++) {
      Agent agent = agents.get(members.get(i));
      names[i] = agent == null ? members.get(i) : agent.name();
    }
    return List.of(names);
  }

  private static List<String> without(List<String> groups, String group) {
    if (!groups.contains(group)) {
      return groups;
    }
    return groups.stream().filter(g -> !g.equals(group)).toList();
  }

  public Collection<String> groupNames() {
    return new ArrayList<>(groups.keySet());
  }

  public int objectCount() {
    return agents.size() + groups.size() + queues.size();
  }

  public long eventId() {
    return eventId;
  }

  public void setEventId(long eventId) {
    this.eventId = eventId;
  }
}
