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
    // Members are Agents, as the Config Server has them (it refuses any other member).
    List.of("ann", "bob", "cid").forEach(model::putAgent);
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

  @Test
  void aRebuiltModelSharesWhatDidNotChangeAndFollowsWhatDid() {
    model.putAgent("ann");
    model.putAgent("bob");
    model.putGroup("Sales", List.of("ann", "bob"));
    model.putGroup("Support", List.of("bob"));

    ConfigModel rebuilt = ConfigModel.rebuiltFrom(model);
    rebuilt.putAgent(new String("ann"));
    rebuilt.putAgent(new String("bob"));
    rebuilt.putAgent("cid");
    rebuilt.putGroup("Sales", List.of(new String("ann"), new String("bob")));
    rebuilt.putGroup("Support", List.of("bob", "cid"));
    rebuilt.finishBuilding();

    assertThat(rebuilt.members("Sales")).isSameAs(model.members("Sales"));
    assertThat(rebuilt.groupsOf("ann")).isSameAs(model.groupsOf("ann"));
    assertThat(rebuilt.members("Support").get(0)).isSameAs(model.members("Sales").get(1));
    assertThat(rebuilt.members("Support")).containsExactly("bob", "cid");
    assertThat(rebuilt.groupsOf("bob")).containsExactly("Sales", "Support");
    assertThat(rebuilt.groupsOf("cid")).containsExactly("Support");
    assertThat(model.members("Support")).containsExactly("bob");
    assertThat(model.groupsOf("cid")).isEmpty();
    assertThat(rebuilt.sizes()).isEqualTo(new ConfigModel.Sizes(3, 2, 0));
  }

  @Test
  void aRebuiltModelDropsWhatTheSnapshotNoLongerHas() {
    model.putAgent("ann");
    model.putGroup("Sales", List.of("ann"));

    ConfigModel rebuilt = ConfigModel.rebuiltFrom(model);
    rebuilt.putAgent("bob");
    rebuilt.putGroup("Sales", List.of("bob"));
    rebuilt.finishBuilding();

    assertThat(rebuilt.contains(ObjectType.AGENT, "ann")).isFalse();
    assertThat(rebuilt.groupsOf("ann")).isEmpty();
    assertThat(rebuilt.groupsOf("bob")).containsExactly("Sales");
  }

  @Test
  void aModelRebuiltFromTheSameConfigurationKeepsEveryAgentsGroups() {
    model.putAgent("ann");
    model.putAgent("bob");
    model.putGroup("Sales", List.of("ann", "bob"));
    model.putGroup("Support", List.of("ann"));
    change(ChangeKind.UPDATED, group("Nights", "bob"));

    ConfigModel rebuilt = ConfigModel.rebuiltFrom(model);
    rebuilt.putAgent("ann");
    rebuilt.putAgent("bob");
    rebuilt.putGroup("Sales", List.of("ann", "bob"));
    rebuilt.putGroup("Support", List.of("ann"));
    rebuilt.putGroup("Nights", List.of("bob"));
    rebuilt.finishBuilding();

    assertThat(rebuilt.groupsOf("ann")).containsExactly("Sales", "Support");
    assertThat(rebuilt.groupsOf("bob")).containsExactly("Sales", "Nights").isSameAs(model.groupsOf("bob"));
    assertThat(rebuilt.members("Nights")).containsExactly("bob");
  }
}
