package io.tandem.statserver.stats;

import io.tandem.config.v1.Agent;
import io.tandem.config.v1.AgentGroup;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.Queue;
import io.tandem.statserver.model.ConfigModel;
import java.util.List;

/** Configuration objects and models for the statistics tests. */
public final class ConfigObjects {
  private ConfigObjects() {}

  public static ConfigObject agent(String name) {
    return ConfigObject.newBuilder().setType(ObjectType.AGENT).setName(name).setAgent(Agent.getDefaultInstance()).build();
  }

  public static ConfigObject group(String name, String... members) {
    return ConfigObject.newBuilder().setType(ObjectType.AGENT_GROUP).setName(name)
        .setAgentGroup(AgentGroup.newBuilder().addAllMembers(List.of(members))).build();
  }

  public static ConfigObject queue(String name) {
    return ConfigObject.newBuilder().setType(ObjectType.QUEUE).setName(name).setQueue(Queue.newBuilder().setDn("1")).build();
  }

  public static ConfigModel model(ConfigObject... objects) {
    ConfigModel model = new ConfigModel();
    for (ConfigObject o : objects) {
      model.put(o);
    }
    return model;
  }
}
