package io.tandem.common.config;

import io.tandem.config.v1.ObjectType;
import java.util.Locale;

/** Names of configuration object types as operators write them ("Agent", "AgentGroup"). */
public final class ObjectTypes {
  private ObjectTypes() {}

  public static String displayName(ObjectType type) {
    return switch (type) {
      case APPLICATION -> "Application";
      case AGENT -> "Agent";
      case AGENT_GROUP -> "AgentGroup";
      case QUEUE -> "Queue";
      default -> type.name();
    };
  }

  /**
   * Parses {@code Agent}, {@code AgentGroup}, {@code agent-group}, {@code AGENT_GROUP}, ...
   *
   * @throws IllegalArgumentException naming the accepted types
   */
  public static ObjectType parse(String text) {
    String key = text.trim().toUpperCase(Locale.ROOT).replace("-", "").replace("_", "");
    return switch (key) {
      case "APPLICATION", "APP" -> ObjectType.APPLICATION;
      case "AGENT" -> ObjectType.AGENT;
      case "AGENTGROUP", "GROUP" -> ObjectType.AGENT_GROUP;
      case "QUEUE" -> ObjectType.QUEUE;
      default -> throw new IllegalArgumentException(
          "unknown object type '" + text + "' (one of Application, Agent, AgentGroup, Queue)");
    };
  }
}
