package io.tandem.configserver.store;

import io.tandem.common.security.AccessRule;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.config.Names;
import io.tandem.common.config.ObjectTypes;
import io.tandem.common.grpc.MessageLimits;
import io.tandem.config.v1.Agent;
import io.tandem.config.v1.AgentGroup;
import io.tandem.config.v1.Application;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.OptionSection;
import io.tandem.config.v1.Queue;
import io.tandem.configserver.store.WriteRefusedException.Reason;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks one object before it is written and gives it the body its type implies. Every rule or
 * limit it breaks is a {@link Violation} naming the field ({@code agent_group.members[2]: no
 * Agent named 'x'}); {@link ConfigStore} refuses a write for any it did not already have.
 */
final class ObjectValidator {
  /** The longest option value the Config Server accepts, in bytes (UTF-8). */
  static final int MAX_OPTION_VALUE_BYTES = 64 * 1024;

  /** Whether an object of a type and name exists (in the store, or earlier in the same request). */
  interface KnownObjects {
    boolean exists(ObjectType type, String name);
  }

  /** An object with its body normalised, and every rule or limit it breaks, in the order they are checked. */
  record Checked(ConfigObject object, List<Violation> violations) {}

  private ObjectValidator() {}

  /** Names whose certificates are not an application's: each opens doors an application must not hold. */
  static final Set<String> RESERVED_APPLICATION_NAMES = Set.of(ServerIdentity.ETCD, AccessRule.OPERATOR, AccessRule.CLIENT,
      AccessRule.MONITOR);

  /**
   * Returns {@code object} with its body normalised (an empty body of its type when none), and
   * what it breaks. An unknown type or a body of another type ends the checks there: nothing
   * else can be read of such an object.
   */
  static Checked check(ConfigObject object, KnownObjects names) {
    List<Violation> found = new ArrayList<>();
    ObjectType type = object.getType();
    if (!ConfigStore.TYPES.contains(type)) {
      found.add(Violation.rule("type", "unknown type " + type + " (one of APPLICATION, AGENT, AGENT_GROUP, QUEUE)"));
      return new Checked(object, found);
    }
    Names.problem(object.getName()).ifPresent(problem -> found.add(Violation.rule("name", problem)));
    if (!object.getName().equals(object.getName().strip())) {
      found.add(Violation.rule("name", "'" + object.getName() + "' has leading or trailing spaces"));
    }
    ConfigObject.BodyCase actual = object.getBodyCase();
    if (actual != ConfigObject.BodyCase.BODY_NOT_SET && actual != bodyOf(type)) {
      found.add(Violation.rule(fieldName(actual), "does not match type " + type));
      return new Checked(object, found);
    }
    ConfigObject result = actual == ConfigObject.BodyCase.BODY_NOT_SET ? withEmptyBody(object) : object;
    if (type == ObjectType.APPLICATION) {
      checkOptions(result.getApplication(), "application", found);
      if (RESERVED_APPLICATION_NAMES.contains(object.getName())) {
        found.add(Violation.rule("name", "'" + object.getName() + "' is reserved: a certificate of that name is the "
            + "etcd members', the operator's, the routing clients' or the monitors' (one of "
            + RESERVED_APPLICATION_NAMES + "), and an application's certificate must not be one of theirs"));
      }
    }
    int size = result.getSerializedSize();
    if (size > MessageLimits.MAX_OBJECT_BYTES) {
      found.add(Violation.limit("", describe(type, object.getName()) + " is " + size + " bytes, more than the maximum of "
          + MessageLimits.MAX_OBJECT_BYTES + " bytes an object may have" + (type == ObjectType.AGENT_GROUP
              ? " (split the group)" : ""), size));
    }
    switch (type) {
      case APPLICATION -> checkApplication(result, "application", names, found);
      case AGENT_GROUP -> checkGroup(result.getAgentGroup(), "agent_group", names, found);
      default -> { }
    }
    return new Checked(result, found);
  }

  private static void checkApplication(ConfigObject object, String path, KnownObjects names, List<Violation> found) {
    Application app = object.getApplication();
    if (app.getAppType() == ApplicationType.APPLICATION_TYPE_UNSPECIFIED || app.getAppType() == ApplicationType.UNRECOGNIZED) {
      found.add(Violation.rule(path + ".app_type", "must be set (STAT_SERVER, MANAGEMENT_LAYER, CONFIG_SERVER,"
          + " ROUTING_CLIENT)"));
    }
    String host = app.getHost();
    if (!host.isEmpty()) {
      // Every member dials its peer at this host: one that is no host name would leave the pair
      // unable to probe it (and, blank, kept a Stat Server from reading its pair at all).
      Names.problem(host).or(() -> host.chars().anyMatch(Character::isWhitespace)
          ? Optional.of("contains a space: no host name or address does") : Optional.empty())
          .ifPresent(problem -> found.add(Violation.rule(path + ".host", problem)));
    }
    if (app.getClientPort() < 0 || app.getClientPort() > 65_535) {
      found.add(Violation.rule(path + ".client_port", app.getClientPort() + " is not in 0..65535"));
    }
    String backup = app.getBackup();
    if (!backup.isEmpty()) {
      if (backup.equals(object.getName())) {
        found.add(Violation.rule(path + ".backup", "an application cannot be its own backup"));
      } else if (!names.exists(ObjectType.APPLICATION, backup)) {
        found.add(Violation.rule(path + ".backup", "no Application named '" + backup + "'"));
      }
    }
  }

  /** Checked before the object's size, so that one value too long is named first. */
  private static void checkOptions(Application app, String path, List<Violation> found) {
    for (Map.Entry<String, OptionSection> section : app.getOptionsMap().entrySet()) {
      Names.problem(section.getKey()).ifPresent(problem -> found.add(Violation.rule(path + ".options",
          "a section name " + problem)));
      for (Map.Entry<String, String> option : section.getValue().getValuesMap().entrySet()) {
        String field = path + ".options[" + section.getKey() + "]";
        Names.problem(option.getKey()).ifPresent(problem -> found.add(Violation.rule(field, "an option name " + problem)));
        optionValueProblem(option.getValue()).ifPresent(problem -> found.add(Violation.limit(
            field + "[" + option.getKey() + "]", "the value " + problem, utf8Length(option.getValue()))));
      }
    }
  }

  /** Why {@code value} cannot be an option's value ("is N bytes long, more than ..."), or empty when it can. */
  static Optional<String> optionValueProblem(String value) {
    // A char is at most 3 bytes in UTF-8 (a surrogate pair 4 for 2 chars): short values need no encoding.
    if (value.length() <= MAX_OPTION_VALUE_BYTES / 3) {
      return Optional.empty();
    }
    int bytes = utf8Length(value);
    return bytes <= MAX_OPTION_VALUE_BYTES ? Optional.empty() : Optional.of("is " + bytes
        + " bytes long, more than the maximum of " + MAX_OPTION_VALUE_BYTES + " bytes an option value may have");
  }

  private static int utf8Length(String value) {
    return value.getBytes(StandardCharsets.UTF_8).length;
  }

  private static void checkGroup(AgentGroup group, String path, KnownObjects names, List<Violation> found) {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < group.getMembersCount(); i++) {
      String member = group.getMembers(i);
      if (!seen.add(member)) {
        found.add(Violation.rule(path + ".members[" + i + "]", "'" + member + "' is listed twice"));
      } else if (!names.exists(ObjectType.AGENT, member)) {
        found.add(Violation.rule(path + ".members[" + i + "]", "no Agent named '" + member + "'"));
      }
    }
  }

  private static ConfigObject withEmptyBody(ConfigObject object) {
    ConfigObject.Builder normalised = object.toBuilder();
    switch (object.getType()) {
      case APPLICATION -> normalised.setApplication(Application.getDefaultInstance());
      case AGENT -> normalised.setAgent(Agent.getDefaultInstance());
      case AGENT_GROUP -> normalised.setAgentGroup(AgentGroup.getDefaultInstance());
      default -> normalised.setQueue(Queue.getDefaultInstance());
    }
    return normalised.build();
  }

  private static ConfigObject.BodyCase bodyOf(ObjectType type) {
    return switch (type) {
      case APPLICATION -> ConfigObject.BodyCase.APPLICATION;
      case AGENT -> ConfigObject.BodyCase.AGENT;
      case AGENT_GROUP -> ConfigObject.BodyCase.AGENT_GROUP;
      default -> ConfigObject.BodyCase.QUEUE;
    };
  }

  private static String fieldName(ConfigObject.BodyCase body) {
    return switch (body) {
      case APPLICATION -> "application";
      case AGENT -> "agent";
      case AGENT_GROUP -> "agent_group";
      default -> "queue";
    };
  }

  static WriteRefusedException invalid(String message) {
    return new WriteRefusedException(Reason.INVALID, message);
  }

  static String describe(ObjectType type, String name) {
    return ObjectTypes.displayName(type) + " '" + name + "'";
  }
}
