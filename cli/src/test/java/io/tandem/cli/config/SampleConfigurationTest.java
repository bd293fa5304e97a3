package io.tandem.cli.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.common.config.ConfigYaml;
import io.tandem.protocol.options.Option;
import io.tandem.protocol.options.OptionCatalogue;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
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

  @Test
  void theSamplesPairReloadsInProtectedModeOutOfTheBox() throws Exception {
    List<ConfigObject> statServers = SampleConfiguration.objects().stream()
        .filter(o -> o.getType() == ObjectType.APPLICATION && o.getApplication().getAppType() == ApplicationType.STAT_SERVER)
        .toList();
    assertThat(statServers).extracting(ConfigObject::getName).containsExactly("StatServer_A", "StatServer_B");
    for (ConfigObject member : statServers) {
      // Both members: after a switchover the other one is primary.
      assertThat(optionSetIn(member, OptionCatalogue.CONFIG_RELOAD_DELAY_IF_PRIMARY))
          .as("%s %s", member.getName(), OptionCatalogue.CONFIG_RELOAD_DELAY_IF_PRIMARY).isTrue();
      // A primary waits for a backup that will serve; one that refuses clients would make it reload at once.
      assertThat(optionSetIn(member, OptionCatalogue.ACCEPT_CLIENTS_IN_BACKUP_MODE))
          .as("%s %s", member.getName(), OptionCatalogue.ACCEPT_CLIENTS_IN_BACKUP_MODE).isTrue();
    }
  }

  /** The option as the sample sets it (it must: the default is not what is asserted). */
  private static <T> T optionSetIn(ConfigObject application, Option<T> option) {
    String raw = option.rawValue(application.getApplication().getOptionsMap().entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().getValuesMap())));
    assertThat(raw).as("%s sets %s", application.getName(), option).isNotNull();
    return option.parse(raw);
  }
}
