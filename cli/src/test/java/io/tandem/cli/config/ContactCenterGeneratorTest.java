package io.tandem.cli.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContactCenterGeneratorTest {
  @Test
  void agentsAreSpreadEvenlyOverTheGroupsEachInExactlyOne() {
    List<ConfigObject> objects = ContactCenterGenerator.generate(1000, 7, 3);
    List<ConfigObject> groups = objects.stream().filter(o -> o.getType() == ObjectType.AGENT_GROUP).toList();
    assertThat(groups).hasSize(7);
    assertThat(groups).allSatisfy(g -> assertThat(g.getAgentGroup().getMembersCount()).isBetween(142, 143));
    assertThat(groups.stream().mapToLong(g -> g.getAgentGroup().getMembersCount()).sum()).isEqualTo(1000);
    assertThat(objects.stream().filter(o -> o.getType() == ObjectType.QUEUE)).hasSize(3);
    assertThat(objects.get(0).getName()).isEqualTo("agent000001");
  }
}
