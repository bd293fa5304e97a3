package io.tandem.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.Redundancy;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigYamlTest {
  private static final String FILE = """
      applications:
        - name: StatServer_A
          type: STAT_SERVER
          host: localhost
          port: 2040
          backup: StatServer_B
          redundancy: warm-standby
          options:
            statserver:
              config-reload-delay-if-primary: true
              accept-clients-in-backup-mode: yes
              backup-check-interval: 250
      agents:
        - {name: agent01, employee-id: 0042, first-name: Ada, last-name: Lovelace}
      agent-groups:
        - {name: Sales, members: [agent01]}
      queues:
        - {name: Sales_Queue, dn: 8001}
      """;

  private static List<ConfigObject> read(String text) {
    return ConfigYaml.read(new StringReader(text), "test.yaml");
  }

  @Test
  void readsEveryKindOfObjectKeepingScalarsAsWritten() {
    List<ConfigObject> objects = read(FILE);
    assertThat(objects).extracting(ConfigObject::getType)
        .containsExactly(ObjectType.APPLICATION, ObjectType.AGENT, ObjectType.AGENT_GROUP, ObjectType.QUEUE);
    var app = objects.get(0).getApplication();
    assertThat(app.getAppType()).isEqualTo(ApplicationType.STAT_SERVER);
    assertThat(app.getClientPort()).isEqualTo(2040);
    assertThat(app.getRedundancy()).isEqualTo(Redundancy.WARM_STANDBY);
    assertThat(app.getOptionsMap().get("statserver").getValuesMap())
        .containsEntry("accept-clients-in-backup-mode", "yes")
        .containsEntry("config-reload-delay-if-primary", "true")
        .containsEntry("backup-check-interval", "250");
    assertThat(objects.get(1).getAgent().getEmployeeId()).isEqualTo("0042");
    assertThat(objects.get(3).getQueue().getDn()).isEqualTo("8001");
  }

  @Test
  void writingAndReadingBackGivesTheSameObjects() {
    List<ConfigObject> objects = read(FILE);
    assertThat(read(ConfigYaml.write(objects))).isEqualTo(objects);
  }

  @Test
  void errorsNameTheFileAndTheEntry() {
    assertThatThrownBy(() -> read("agents:\n  - {name: a, frist-name: x}\n"))
        .hasMessageContaining("test.yaml: agents[0]: unknown key 'frist-name'");
    assertThatThrownBy(() -> read("agents:\n  - {employee-id: 1}\n"))
        .hasMessage("test.yaml: agents[0].name: must not be empty");
    assertThatThrownBy(() -> read("applications:\n  - {name: x, type: ROUTER}\n"))
        .hasMessageContaining("applications[0].type: 'ROUTER' is not one of [STAT_SERVER");
    assertThatThrownBy(() -> read("applications:\n  - {name: x, type: STAT_SERVER, port: 99999}\n"))
        .hasMessageContaining("applications[0].port: '99999' is not a port");
    assertThatThrownBy(() -> read("agents: {name: a}\n")).hasMessage("test.yaml: agents: must be a list");
    assertThatThrownBy(() -> read("agents: [\n")).hasMessageContaining("test.yaml: not valid YAML");
    assertThatThrownBy(() -> read("agnets: []\n")).hasMessageContaining("unknown key 'agnets'");
  }

  @Test
  void anEmptyFileHasNoObjects() {
    assertThat(read("")).isEmpty();
  }

  @Test
  void aFileToApplyMustHoldObjects() {
    for (String empty : List.of("", "# later\n", "agents: []\nqueues: []\n")) {
      assertThatThrownBy(() -> ConfigYaml.readToApply(new StringReader(empty), "test.yaml"))
          .hasMessage("test.yaml: no objects to apply (it has no applications, agents, agent-groups or queues)");
    }
    assertThat(ConfigYaml.readToApply(new StringReader("agents: [{name: a}]\n"), "test.yaml")).hasSize(1);
  }
}
