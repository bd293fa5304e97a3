package io.tandem.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.common.config.ConfigYaml;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SampleConfigurationTest {
  @Test
  void theSampleIsASmallContactCenterWithAStatServerPairOnTheChosenPorts() throws Exception {
    List<ConfigObject> objects = ConfigYaml.read(new StringReader(SampleConfiguration.render(
        Map.of("StatServer_A", 4040, "StatServer_B", 4041))), "sample");
    assertThat(objects.stream().filter(o -> o.getType() == ObjectType.AGENT)).hasSize(50);
    assertThat(objects.stream().filter(o -> o.getType() == ObjectType.AGENT_GROUP)).hasSize(5);
    assertThat(objects.stream().filter(o -> o.getType() == ObjectType.QUEUE)).hasSize(3);
    ConfigObject a = objects.stream().filter(o -> o.getName().equals("StatServer_A")).findFirst().orElseThrow();
    assertThat(a.getApplication().getClientPort()).isEqualTo(4040);
    assertThat(a.getApplication().getBackup()).isEqualTo("StatServer_B");
    assertThat(a.getApplication().getOptionsMap().get("statserver").getValuesMap())
        .containsKeys("config-reload-delay-if-primary", "accept-clients-in-backup-mode", "backup-check-interval");
    ConfigObject ml = objects.stream().filter(o -> o.getName().equals("MgmtLayer")).findFirst().orElseThrow();
    assertThat(ml.getApplication().getClientPort()).as("ports not asked for stay").isEqualTo(2030);
  }
}
