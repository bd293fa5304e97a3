package io.tandem.configserver.store;

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
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks one object before it is written and gives it the body its type implies. Every refusal
 * names the field ({@code object.agent_group.members[2]: no Agent named 'x'}).
 */
final class ObjectValidator {
  /** The longest option value the Config Server accepts, in bytes (UTF-8). */
  static final int MAX_OPTION_VALUE_BYTES = 64 * 1024;

  /** Whether an object of a type and name exists (in the store, or earlier in the same request). */
  interface KnownObjects {
    boolean exists(ObjectType type, String name);
  }

  private ObjectValidator() {}

  /**
   * Returns {@code object} with its body normalised (an empty body of its type when none).
   *
   * @param path how the request names the object ("object", "objects[3]")
   */
  static ConfigObject validate(ConfigObject object, String path, KnownObjects names) {
    ObjectType type = object.getType();
    if (!ConfigStore.TYPES.contains(type)) {
      throw invalid(path + ".type: unknown type " + type
          + " (one of APPLICATION, AGENT, AGENT_GROUP, QUEUE)");
    }
    Names.problem(object.getName()).ifPresent(problem -> {
      throw invalid(path + ".name: " + problem);
    });
    if (!object.getName().equals(object.getName().strip())) {
      throw invalid(path + ".name: '" + object.getName() + "' has leading or trailing spaces");
    }
    ConfigObject.BodyCase expected = bodyOf(type);
    ConfigObject.BodyCase actual = object.getBodyCase();
    ConfigObject.Builder normalised = object.toBuilder();
    if (actual == ConfigObject.BodyCase.BODY_NOT_SET) {
      switch (type) {
        case APPLICATION -> normalised.setApplication(Application.getDefaultInstance());
        case AGENT -> normalised.setAgent(Agent.getDefaultInstance());
        case AGENT_GROUP -> normalised.setAgentGroup(AgentGroup.getDefaultInstance());
        default -> normalised.setQueue(Queue.getDefaultInstance());
      }
    } else if (actual != expected) {
      throw invalid(path + "." + fieldName(actual) + ": does not match type " + type);
    }
    ConfigObject result = normalised.build();
    if (type == ObjectType.APPLICATION) {
      checkOptions(result.getApplication(), path + ".application");
    }
    if (result.getSerializedSize() > MessageLimits.MAX_OBJECT_BYTES) {
      throw invalid(path + ": " + describe(type, object.getName()) + " is " + result.getSerializedSize()
          + " bytes, more than the maximum of " + MessageLimits.MAX_OBJECT_BYTES + " bytes an object may have"
          + (type == ObjectType.AGENT_GROUP ? " (split the group)" : ""));
    }
    switch (type) {
      case APPLICATION -> checkApplication(result, path + ".application", names);
      case AGENT_GROUP -> checkGroup(result.getAgentGroup(), path + ".agent_group", names);
      default -> { }
    }
    return result;
  }

  private static void checkApplication(ConfigObject object, String path, KnownObjects names) {
    Application app = object.getApplication();
    if (app.getAppType() == ApplicationType.APPLICATION_TYPE_UNSPECIFIED || app.getAppType() == ApplicationType.UNRECOGNIZED) {
      throw invalid(path + ".app_type: must be set (STAT_SERVER, MANAGEMENT_LAYER, CONFIG_SERVER, ROUTING_CLIENT)");
    }
    if (app.getClientPort() < 0 || app.getClientPort() > 65_535) {
      throw invalid(path + ".client_port: " + app.getClientPort() + " is not in 0..65535");
    }
    String backup = app.getBackup();
    if (!backup.isEmpty()) {
      if (backup.equals(object.getName())) {
        throw invalid(path + ".backup: an application cannot be its own backup");
      }
      if (!names.exists(ObjectType.APPLICATION, backup)) {
        throw invalid(path + ".backup: no Application named '" + backup + "'");
      }
    }
  }

  /** Checked before the object's size, so that one value too long is named as such. */
  private static void checkOptions(Application app, String path) {
    for (Map.Entry<String, OptionSection> section : app.getOptionsMap().entrySet()) {
      Names.problem(section.getKey()).ifPresent(problem -> {
        throw invalid(path + ".options: a section name " + problem);
      });
      for (Map.Entry<String, String> option : section.getValue().getValuesMap().entrySet()) {
        Names.problem(option.getKey()).ifPresent(problem -> {
          throw invalid(path + ".options[" + section.getKey() + "]: an option name " + problem);
        });
        optionValueProblem(option.getValue()).ifPresent(problem -> {
          throw invalid(path + ".options[" + section.getKey() + "][" + option.getKey() + "]: the value " + problem);
        });
      }
    }
  }

  /** Why {@code value} cannot be an option's value ("is N bytes long, more than ..."), or empty when it can. */
  static Optional<String> optionValueProblem(String value) {
    // A char is at most 3 bytes in UTF-8 (a surrogate pair 4 for 2 chars): short values need no encoding.
    if (value.length() <= MAX_OPTION_VALUE_BYTES / 3) {
      return Optional.empty();
    }
    int bytes = value.getBytes(StandardCharsets.UTF_8).length;
    return bytes <= MAX_OPTION_VALUE_BYTES ? Optional.empty() : Optional.of("is " + bytes
        + " bytes long, more than the maximum of " + MAX_OPTION_VALUE_BYTES + " bytes an option value may have");
  }

  private static void checkGroup(AgentGroup group, String path, KnownObjects names) {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < group.getMembersCount(); i++) {
      String member = group.getMembers(i);
      if (!seen.add(member)) {
        throw invalid(path + ".members[" + i + "]: '" + member + "' is listed twice");
      }
      if (!names.exists(ObjectType.AGENT, member)) {
        throw invalid(path + ".members[" + i + "]: no Agent named '" + member + "'");
      }
    }
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
