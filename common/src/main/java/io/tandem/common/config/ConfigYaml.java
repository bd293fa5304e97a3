package io.tandem.common.config;

import io.tandem.config.v1.Agent;
import io.tandem.config.v1.AgentGroup;
import io.tandem.config.v1.Application;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.OptionSection;
import io.tandem.config.v1.Queue;
import io.tandem.config.v1.Redundancy;
import java.io.Reader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Configuration files: the Config Server's bootstrap data and {@code tandem config apply}.
 *
 * <pre>
 * applications:
 *   - name: StatServer_A
 *     type: STAT_SERVER
 *     host: localhost
 *     port: 2040
 *     backup: StatServer_B
 *     redundancy: WARM_STANDBY
 *     options:
 *       statserver:
 *         config-reload-delay-if-primary: true
 * agents:
 *   - {name: agent001, employee-id: E001, first-name: Ada, last-name: Byron}
 * agent-groups:
 *   - {name: Sales, members: [agent001]}
 * queues:
 *   - {name: Sales_Queue, dn: "8001"}
 * </pre>
 *
 * Every scalar is read as a string (so {@code yes} stays {@code yes}); errors name the file and
 * the path of the bad entry ({@code agents[3].name: must not be empty}).
 */
public final class ConfigYaml {
  private static final String APPLICATIONS = "applications";
  private static final String AGENTS = "agents";
  private static final String AGENT_GROUPS = "agent-groups";
  private static final String QUEUES = "queues";

  private ConfigYaml() {}

  /** A configuration file that cannot be read; the message names the file and entry. */
  public static final class ConfigYamlException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    ConfigYamlException(String message) {
      super(message);
    }
  }

  /** Reads the objects of a configuration file, in file order by section. */
  public static List<ConfigObject> read(Reader in, String source) {
    Object root;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setCodePointLimit(256 * 1024 * 1024);
      root = new Yaml(new SafeConstructor(options), new Representer(new DumperOptions()), new DumperOptions(),
          options, new StringsOnlyResolver()).load(in);
    } catch (YAMLException e) {
      throw new ConfigYamlException(source + ": not valid YAML: " + e.getMessage());
    }
    if (root == null) {
      return List.of();
    }
    Map<String, Object> top = map(root, source, "(top level)");
    checkKeys(top, Set.of(APPLICATIONS, AGENTS, AGENT_GROUPS, QUEUES), source, "(top level)");
    List<ConfigObject> objects = new ArrayList<>();
    readSection(top, APPLICATIONS, source, objects, ConfigYaml::application);
    readSection(top, AGENTS, source, objects, ConfigYaml::agent);
    readSection(top, AGENT_GROUPS, source, objects, ConfigYaml::agentGroup);
    readSection(top, QUEUES, source, objects, ConfigYaml::queue);
    return objects;
  }

  /**
   * As {@link #read}, for a file to apply (the bootstrap file, {@code tandem config apply}): one
   * without any object is a mistake — the wrong file, or one cut short — and is refused, naming it.
   */
  public static List<ConfigObject> readToApply(Reader in, String source) {
    List<ConfigObject> objects = read(in, source);
    if (objects.isEmpty()) {
      throw new ConfigYamlException(source + ": no objects to apply (it has no " + APPLICATIONS + ", " + AGENTS + ", "
          + AGENT_GROUPS + " or " + QUEUES + ")");
    }
    return objects;
  }

  /** Renders objects as a configuration file {@link #read} reads back. */
  public static String write(List<ConfigObject> objects) {
    Map<String, List<Map<String, Object>>> sections = new LinkedHashMap<>();
    for (ConfigObject object : objects) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("name", object.getName());
      switch (object.getType()) {
        case APPLICATION -> {
          Application app = object.getApplication();
          entry.put("type", app.getAppType().name());
          putIfSet(entry, "host", app.getHost());
          if (app.getClientPort() != 0) {
            entry.put("port", app.getClientPort());
          }
          putIfSet(entry, "backup", app.getBackup());
          if (app.getRedundancy() != Redundancy.REDUNDANCY_UNSPECIFIED) {
            entry.put("redundancy", app.getRedundancy().name());
          }
          if (app.getOptionsCount() > 0) {
            Map<String, Object> options = new TreeMap<>();
            app.getOptionsMap().forEach((section, values) -> options.put(section, new TreeMap<>(values.getValuesMap())));
            entry.put("options", options);
          }
          sections.computeIfAbsent(APPLICATIONS, k -> new ArrayList<>()).add(entry);
        }
        case AGENT -> {
          Agent agent = object.getAgent();
          putIfSet(entry, "employee-id", agent.getEmployeeId());
          putIfSet(entry, "first-name", agent.getFirstName());
          putIfSet(entry, "last-name", agent.getLastName());
          sections.computeIfAbsent(AGENTS, k -> new ArrayList<>()).add(entry);
        }
        case AGENT_GROUP -> {
          entry.put("members", new ArrayList<>(object.getAgentGroup().getMembersList()));
          sections.computeIfAbsent(AGENT_GROUPS, k -> new ArrayList<>()).add(entry);
        }
        case QUEUE -> {
          putIfSet(entry, "dn", object.getQueue().getDn());
          sections.computeIfAbsent(QUEUES, k -> new ArrayList<>()).add(entry);
        }
        default -> throw new IllegalArgumentException("object '" + object.getName() + "' has no type");
      }
    }
    Map<String, Object> ordered = new LinkedHashMap<>();
    for (String section : List.of(APPLICATIONS, AGENTS, AGENT_GROUPS, QUEUES)) {
      if (sections.containsKey(section)) {
        ordered.put(section, sections.get(section));
      }
    }
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndicatorIndent(2);
    options.setIndentWithIndicator(true);
    options.setWidth(120);
    return ordered.isEmpty() ? "" : new Yaml(options).dump(ordered);
  }

  private interface EntryReader {
    ConfigObject read(Map<String, Object> entry, String source, String path);
  }

  private static void readSection(Map<String, Object> top, String section, String source, List<ConfigObject> out,
      EntryReader reader) {
    Object value = top.get(section);
    if (value == null) {
      return;
    }
    if (!(value instanceof List<?> list)) {
      throw new ConfigYamlException(source + ": " + section + ": must be a list");
    }
    for (int i = 0; i < list.size(); i++) {
      String path = section + "[" + i + "]";
      out.add(reader.read(map(list.get(i), source, path), source, path));
    }
  }

  private static ConfigObject application(Map<String, Object> e, String source, String path) {
    checkKeys(e, Set.of("name", "type", "host", "port", "backup", "redundancy", "options"), source, path);
    Application.Builder app = Application.newBuilder()
        .setAppType(enumValue(ApplicationType.class, required(e, "type", source, path), source, path + ".type"))
        .setHost(optional(e, "host", source, path))
        .setBackup(optional(e, "backup", source, path));
    String port = optional(e, "port", source, path);
    if (!port.isEmpty()) {
      try {
        int p = Integer.parseInt(port);
        if (p < 0 || p > 65_535) {
          throw new NumberFormatException();
        }
        app.setClientPort(p);
      } catch (NumberFormatException ex) {
        throw new ConfigYamlException(source + ": " + path + ".port: '" + port + "' is not a port (0..65535)");
      }
    }
    String redundancy = optional(e, "redundancy", source, path);
    if (!redundancy.isEmpty()) {
      app.setRedundancy(enumValue(Redundancy.class, redundancy, source, path + ".redundancy"));
    }
    Object options = e.get("options");
    if (options != null) {
      for (Map.Entry<String, Object> section : map(options, source, path + ".options").entrySet()) {
        String sectionPath = path + ".options." + section.getKey();
        OptionSection.Builder values = OptionSection.newBuilder();
        for (Map.Entry<String, Object> option : map(section.getValue(), source, sectionPath).entrySet()) {
          Object raw = option.getValue();
          if (raw instanceof Map || raw instanceof List) {
            throw new ConfigYamlException(source + ": " + sectionPath + "." + option.getKey() + ": must be a single value");
          }
          values.putValues(option.getKey(), raw == null ? "" : raw.toString());
        }
        app.putOptions(section.getKey(), values.build());
      }
    }
    return object(ObjectType.APPLICATION, e, source, path).setApplication(app).build();
  }

  private static ConfigObject agent(Map<String, Object> e, String source, String path) {
    checkKeys(e, Set.of("name", "employee-id", "first-name", "last-name"), source, path);
    return object(ObjectType.AGENT, e, source, path).setAgent(Agent.newBuilder()
        .setEmployeeId(optional(e, "employee-id", source, path))
        .setFirstName(optional(e, "first-name", source, path))
        .setLastName(optional(e, "last-name", source, path))).build();
  }

  private static ConfigObject agentGroup(Map<String, Object> e, String source, String path) {
    checkKeys(e, Set.of("name", "members"), source, path);
    AgentGroup.Builder group = AgentGroup.newBuilder();
    Object members = e.get("members");
    if (members != null) {
      if (!(members instanceof List<?> list)) {
        throw new ConfigYamlException(source + ": " + path + ".members: must be a list of agent names");
      }
      for (int i = 0; i < list.size(); i++) {
        Object member = list.get(i);
        if (member == null || member instanceof Map || member instanceof List) {
          throw new ConfigYamlException(source + ": " + path + ".members[" + i + "]: must be an agent name");
        }
        group.addMembers(member.toString());
      }
    }
    return object(ObjectType.AGENT_GROUP, e, source, path).setAgentGroup(group).build();
  }

  private static ConfigObject queue(Map<String, Object> e, String source, String path) {
    checkKeys(e, Set.of("name", "dn"), source, path);
    return object(ObjectType.QUEUE, e, source, path)
        .setQueue(Queue.newBuilder().setDn(optional(e, "dn", source, path))).build();
  }

  private static ConfigObject.Builder object(ObjectType type, Map<String, Object> e, String source, String path) {
    return ConfigObject.newBuilder().setType(type).setName(required(e, "name", source, path));
  }

  private static String required(Map<String, Object> e, String key, String source, String path) {
    String value = optional(e, key, source, path);
    if (value.isBlank()) {
      throw new ConfigYamlException(source + ": " + path + "." + key + ": must not be empty");
    }
    return value;
  }

  private static String optional(Map<String, Object> e, String key, String source, String path) {
    Object value = e.get(key);
    if (value == null) {
      return "";
    }
    if (value instanceof Map || value instanceof List) {
      throw new ConfigYamlException(source + ": " + path + "." + key + ": must be a single value");
    }
    return value.toString();
  }

  private static <E extends Enum<E>> E enumValue(Class<E> type, String raw, String source, String path) {
    try {
      E value = Enum.valueOf(type, raw.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
      if (value.name().endsWith("UNSPECIFIED") || value.name().equals("UNRECOGNIZED")) {
        throw new IllegalArgumentException();
      }
      return value;
    } catch (IllegalArgumentException e) {
      List<String> accepted = new ArrayList<>();
      for (E constant : type.getEnumConstants()) {
        if (!constant.name().endsWith("UNSPECIFIED") && !constant.name().equals("UNRECOGNIZED")) {
          accepted.add(constant.name());
        }
      }
      throw new ConfigYamlException(source + ": " + path + ": '" + raw + "' is not one of " + accepted);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value, String source, String path) {
    if (!(value instanceof Map)) {
      throw new ConfigYamlException(source + ": " + path + ": must be a mapping of keys to values");
    }
    return (Map<String, Object>) value;
  }

  private static void checkKeys(Map<String, Object> e, Set<String> allowed, String source, String path) {
    for (String key : e.keySet()) {
      if (!allowed.contains(key)) {
        throw new ConfigYamlException(source + ": " + path + ": unknown key '" + key + "' (known: "
            + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
      }
    }
  }

  private static void putIfSet(Map<String, Object> entry, String key, String value) {
    if (!value.isEmpty()) {
      entry.put(key, value);
    }
  }

  /** Resolves every scalar to a string (YAML 1.1 would turn {@code yes} into a boolean). */
  private static final class StringsOnlyResolver extends Resolver {
    @Override
    protected void addImplicitResolvers() {
      addImplicitResolver(Tag.NULL, NULL, "~nN\0");
      addImplicitResolver(Tag.NULL, EMPTY, null);
    }
  }
}
