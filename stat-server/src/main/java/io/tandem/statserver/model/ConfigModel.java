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
  // from the configuration thread to share what did not change.
  /** Each agent's name mapped to itself: a rebuild finds the instance the model in use holds. */
  private final Map<String, String> agents;
  private final Map<String, List<String>> groups;
  /**
   * Immutable lists, replaced on change: most agents are in one group, and a one-element list
   * costs a fraction of a set, which matters with 100,000 agents built anew on every reload.
   */
  private final Map<String, List<String>> groupsOfAgent;
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
    groupsOfAgent = new ConcurrentHashMap<>(expected.agents());
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
   * Ends a {@link #rebuiltFrom} build: each agent's groups are filled in, and the model no
   * longer refers to the one it replaces. When every group came as the model in use has it (a
   * reload after a lost session, mostly), so did every agent's list of groups, and those are
   * taken as they are.
   */
  public void finishBuilding() {
    if (basis == null) {
      return;
    }
    if (groupsAsInBasis && groups.size() == basis.groups.size()) {
      groupsOfAgent.putAll(basis.groupsOfAgent);
    } else {
      for (String group : groupsInOrder) {
        join(group, groups.get(group));
      }
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

  public void putAgent(String name) {
    String kept = basis == null ? null : basis.agents.get(name);
    String agent = kept == null ? name : kept;
    agents.put(agent, agent);
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
          agents.put(object.getName(), object.getName());
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
        groupsOfAgent.computeIfPresent(agent, (k, of) -> without(of, group));
      }
    }
    if (members != null) {
      groups.put(group, members);
      join(group, members);
    }
  }

  /** Adds {@code group} to each member's groups, taking the basis' list where it is the same. */
  private void join(String group, List<String> members) {
    for (String agent : members) {
      List<String> current = groupsOfAgent.get(agent);
      List<String> joined = current == null ? List.of(group) : with(current, group);
      if (joined != current) {
        List<String> kept = basis == null ? null : basis.groupsOfAgent.get(agent);
        groupsOfAgent.put(agent, kept != null && kept.equals(joined) ? kept : joined);
      }
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
    return groupsOfAgent.getOrDefault(agent, List.of());
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
      names[i] = agents.getOrDefault(members.get(i), members.get(i));
    }
    return List.of(names);
  }

  /** The list without {@code group}; null (the mapping goes) when nothing is left. */
  private static List<String> without(List<String> groups, String group) {
    if (!groups.contains(group)) {
      return groups;
    }
    List<String> rest = groups.stream().filter(g -> !g.equals(group)).toList();
    return rest.isEmpty() ? null : rest;
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
