package io.tandem.configserver;

import io.tandem.config.v1.Agent;
import io.tandem.config.v1.AgentGroup;
import io.tandem.config.v1.Application;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.Queue;
import java.util.List;

/** Test objects. */
public final class Objects {
  private Objects() {}

  public static ConfigObject agent(String name) {
    return ConfigObject.newBuilder().setType(ObjectType.AGENT).setName(name)
        .setAgent(Agent.newBuilder().setEmployeeId("E-" + name).setFirstName("First").setLastName(name)).build();
  }

  public static ConfigObject group(String name, String... members) {
    return ConfigObject.newBuilder().setType(ObjectType.AGENT_GROUP).setName(name)
        .setAgentGroup(AgentGroup.newBuilder().addAllMembers(List.of(members))).build();
  }

  public static ConfigObject queue(String name) {
    return ConfigObject.newBuilder().setType(ObjectType.QUEUE).setName(name)
        .setQueue(Queue.newBuilder().setDn("8" + name.length())).build();
  }

  public static ConfigObject statServer(String name, int port, String backup) {
    return ConfigObject.newBuilder().setType(ObjectType.APPLICATION).setName(name)
        .setApplication(Application.newBuilder().setAppType(ApplicationType.STAT_SERVER).setHost("localhost")
            .setClientPort(port).setBackup(backup)).build();
  }
}
