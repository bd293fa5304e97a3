package io.tandem.configserver.store;

import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The stored objects: by type, ordered by dbid, indexed by name, plus the reverse references
 * (agent to its groups, application to those it backs up) that guard deletes. Not thread-safe:
 * the {@link ConfigStore} owns it under its lock.
 */
final class ObjectTable {
  private final Map<ObjectType, TreeMap<Long, StoredObject>> byDbid = new EnumMap<>(ObjectType.class);
  private final Map<ObjectType, Map<String, Long>> byName = new EnumMap<>(ObjectType.class);
  private final Map<String, Set<String>> groupsOfAgent = new HashMap<>();
  private final Map<String, Set<String>> applicationsBackedUpBy = new HashMap<>();
  private long maxDbid;

  ObjectTable() {
    for (ObjectType type : ConfigStore.TYPES) {
      byDbid.put(type, new TreeMap<>());
      byName.put(type, new HashMap<>());
    }
  }

  ConfigObject get(ObjectType type, String name) {
    Map<String, Long> names = byName.get(type);
    Long dbid = names == null ? null : names.get(name);
    StoredObject stored = dbid == null ? null : byDbid.get(type).get(dbid);
    return stored == null ? null : stored.object();
  }

  boolean contains(ObjectType type, String name) {
    Map<String, Long> names = byName.get(type);
    return names != null && names.containsKey(name);
  }

  /** Stores (creates or replaces) {@code object}. */
  void put(ConfigObject object) {
    ConfigObject previous = get(object.getType(), object.getName());
    if (previous != null) {
      unindex(previous);
    }
    byDbid.get(object.getType()).put(object.getDbid(), new StoredObject(object));
    byName.get(object.getType()).put(object.getName(), object.getDbid());
    index(object);
    maxDbid = Math.max(maxDbid, object.getDbid());
  }

  void remove(ConfigObject object) {
    ConfigObject stored = get(object.getType(), object.getName());
    if (stored != null) {
      unindex(stored);
      byDbid.get(stored.getType()).remove(stored.getDbid());
      byName.get(stored.getType()).remove(stored.getName());
    }
  }

  /** Names of the objects that refer to {@code object}, as "AgentGroup 'Sales'". */
  List<String> referrers(ConfigObject object) {
    Set<String> names = switch (object.getType()) {
      case AGENT -> groupsOfAgent.getOrDefault(object.getName(), Set.of());
      case APPLICATION -> applicationsBackedUpBy.getOrDefault(object.getName(), Set.of());
      default -> Set.of();
    };
    String kind = object.getType() == ObjectType.AGENT ? "AgentGroup" : "Application";
    List<String> out = new ArrayList<>();
    for (String name : names) {
      out.add(kind + " '" + name + "'");
    }
    return out;
  }

  /** Objects of {@code types} in type order, then dbid order. */
  List<ConfigObject> list(Set<ObjectType> types) {
    return listStored(types).stream().map(StoredObject::object).toList();
  }

  /** As {@link #list}, with their encodings. */
  List<StoredObject> listStored(Set<ObjectType> types) {
    int total = 0;
    for (ObjectType type : types) {
      total += byDbid.get(type).size();
    }
    List<StoredObject> out = new ArrayList<>(total);
    for (ObjectType type : ConfigStore.TYPES) {
      if (types.contains(type)) {
        out.addAll(byDbid.get(type).values());
      }
    }
    return out;
  }

  int size() {
    int total = 0;
    for (TreeMap<Long, StoredObject> objects : byDbid.values()) {
      total += objects.size();
    }
    return total;
  }

  /** The highest dbid ever stored (deleted objects included), so dbids are never reused. */
  long maxDbid() {
    return maxDbid;
  }

  void noteDbid(long dbid) {
    maxDbid = Math.max(maxDbid, dbid);
  }

  private void index(ConfigObject object) {
    if (object.getType() == ObjectType.AGENT_GROUP) {
      for (String member : object.getAgentGroup().getMembersList()) {
        groupsOfAgent.computeIfAbsent(member, k -> new LinkedHashSet<>()).add(object.getName());
      }
    } else if (object.getType() == ObjectType.APPLICATION && !object.getApplication().getBackup().isEmpty()) {
      applicationsBackedUpBy.computeIfAbsent(object.getApplication().getBackup(), k -> new LinkedHashSet<>())
          .add(object.getName());
    }
  }

  private void unindex(ConfigObject object) {
    if (object.getType() == ObjectType.AGENT_GROUP) {
      for (String member : object.getAgentGroup().getMembersList()) {
        removeFrom(groupsOfAgent, member, object.getName());
      }
    } else if (object.getType() == ObjectType.APPLICATION && !object.getApplication().getBackup().isEmpty()) {
      removeFrom(applicationsBackedUpBy, object.getApplication().getBackup(), object.getName());
    }
  }

  private static void removeFrom(Map<String, Set<String>> index, String key, String value) {
    Set<String> values = index.get(key);
    if (values != null) {
      values.remove(value);
      if (values.isEmpty()) {
        index.remove(key);
      }
    }
  }
}
