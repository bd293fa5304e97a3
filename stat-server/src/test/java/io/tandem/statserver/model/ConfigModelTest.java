package io.tandem.statserver.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.config.v1.AgentGroup;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ChangeKind;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigModelTest {
  private final ConfigModel model = new ConfigModel();

  private static ConfigObject group(String name, String... members) {
    return ConfigObject.newBuilder().setType(ObjectType.AGENT_GROUP).setName(name)
        .setAgentGroup(AgentGroup.newBuilder().addAllMembers(List.of(members))).build();
  }

  private ConfigModel.Change change(ChangeKind kind, ConfigObject object) {
    return model.apply(ChangeEvent.newBuilder().setEventId(model.eventId() + 1).setKind(kind).setObject(object).build());
  }

  @Test
  void anAgentsGroupsFollowMembershipChangesInTheOrderItJoined() {
    model.put(group("Sales", "ann", "bob"));
    model.put(group("Support", "ann"));
    model.put(group("Nights", "ann", "ann"));
    assertThat(model.groupsOf("ann")).containsExactly("Sales", "Support", "Nights");
    assertThat(model.groupsOf("bob")).containsExactly("Sales");

    ConfigModel.Change moved = change(ChangeKind.UPDATED, group("Sales", "bob", "cid"));
    assertThat(moved.membersTouched()).containsExactlyInAnyOrder("ann", "bob", "cid");
    assertThat(model.groupsOf("ann")).containsExactly("Support", "Nights");
    assertThat(model.groupsOf("cid")).containsExactly("Sales");

    change(ChangeKind.DELETED, group("Support"));
    change(ChangeKind.DELETED, group("Nights"));
    assertThat(model.groupsOf("ann")).isEmpty();
    assertThat(model.members("Support")).isEmpty();
  }
}
