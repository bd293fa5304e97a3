package io.tandem.cli.config;

import io.tandem.config.v1.Agent;
import io.tandem.config.v1.AgentGroup;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.Queue;
import java.util.ArrayList;
import java.util.List;

/**
 * Large, deterministic contact centers for load and benchmarks: agents spread evenly over
 * groups (each agent in exactly one), and queues.
 */
public final class ContactCenterGenerator {
  private ContactCenterGenerator() {}

  public static String agentName(int i) {
    return String.format("agent%06d", i);
  }

  public static String groupName(int i) {
    return String.format("group%04d", i);
  }

  public static String queueName(int i) {
    return String.format("queue%03d", i);
  }

  /** {@code agents} agents, {@code groups} groups of about agents/groups members, {@code queues} queues. */
  public static List<ConfigObject> generate(int agents, int groups, int queues) {
    return generate(agents, groups, queues, 0);
  }

  /**
   * As {@link #generate(int, int, int)}, plus {@code fullGroups} groups ({@code everyone0001}, ...)
   * that each hold every agent: the largest objects a contact center has.
   */
  public static List<ConfigObject> generate(int agents, int groups, int queues, int fullGroups) {
    List<ConfigObject> objects = generateSpread(agents, groups, queues);
    if (fullGroups > 0) {
      AgentGroup.Builder everyone = AgentGroup.newBuilder();
      for (int i = 1; i <= agents; i++) {
        everyone.addMembers(agentName(i));
      }
      for (int g = 1; g <= fullGroups; g++) {
        objects.add(ConfigObject.newBuilder().setType(ObjectType.AGENT_GROUP).setName(String.format("everyone%04d", g))
            .setAgentGroup(everyone).build());
      }
    }
    return objects;
  }

  private static List<ConfigObject> generateSpread(int agents, int groups, int queues) {
    if (agents < 0 || groups < 0 || queues < 0) {
      throw new IllegalArgumentException("counts must not be negative");
    }
    if (groups > 0 && agents == 0) {
      throw new IllegalArgumentException("groups need agents");
    }
    List<ConfigObject> objects = new ArrayList<>(agents + groups + queues);
    for (int i = 1; i <= agents; i++) {
      objects.add(ConfigObject.newBuilder().setType(ObjectType.AGENT).setName(agentName(i))
          .setAgent(Agent.newBuilder().setEmployeeId("E" + (100_000 + i)).setFirstName("Agent").setLastName("No" + i))
          .build());
    }
    List<AgentGroup.Builder> members = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      members.add(AgentGroup.newBuilder());
    }
    for (int i = 1; groups > 0 && i <= agents; i++) {
      members.get((i - 1) % groups).addMembers(agentName(i));
    }
    for (int g = 0; g < groups; g++) {
      objects.add(ConfigObject.newBuilder().setType(ObjectType.AGENT_GROUP).setName(groupName(g + 1))
          .setAgentGroup(members.get(g)).build());
    }
    for (int q = 1; q <= queues; q++) {
      objects.add(ConfigObject.newBuilder().setType(ObjectType.QUEUE).setName(queueName(q))
          .setQueue(Queue.newBuilder().setDn(String.valueOf(9000 + q))).build());
    }
    return objects;
  }
}
