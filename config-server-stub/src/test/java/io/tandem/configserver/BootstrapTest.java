package io.tandem.configserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.config.v1.GetHistoryInfoRequest;
import io.tandem.config.v1.GetObjectRequest;
import io.tandem.config.v1.ObjectType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootstrapTest {
  @TempDir
  Path dir;

  private Path yaml(String text) throws Exception {
    Path file = dir.resolve("bootstrap.yaml");
    Files.writeString(file, text);
    return file;
  }

  @Test
  void theBootstrapFileIsLoadedOnlyIntoAnEmptyJournal() throws Exception {
    Path bootstrap = yaml("""
        applications:
          - name: confserv
            type: CONFIG_SERVER
            options:
              history-log: {max-records: "7"}
        agents:
          - {name: a1}
          - {name: a2}
        agent-groups:
          - {name: g, members: [a1, a2]}
        """);
    Path data = dir.resolve("data");
    try (ConfigServerFixture server = ConfigServerFixture.start(data, bootstrap, false)) {
      var info = server.blocking.getHistoryInfo(GetHistoryInfoRequest.getDefaultInstance());
      assertThat(info.getObjects()).isEqualTo(4);
      assertThat(info.getMaxRecords()).as("its own options apply").isEqualTo(7);
      assertThat(server.blocking.getObject(GetObjectRequest.newBuilder().setType(ObjectType.AGENT_GROUP).setName("g").build())
          .getAgentGroup().getMembersList()).containsExactly("a1", "a2");
    }
    Files.writeString(bootstrap, "agents:\n  - {name: a3}\n");
    try (ConfigServerFixture server = ConfigServerFixture.start(data, bootstrap, false)) {
      var info = server.blocking.getHistoryInfo(GetHistoryInfoRequest.getDefaultInstance());
      assertThat(info.getObjects()).as("the journal wins").isEqualTo(4);
      assertThat(info.getHeadEventId()).isEqualTo(4);
    }
  }

  @Test
  void aBadBootstrapFileStopsTheStartNamingTheEntry() throws Exception {
    Path bootstrap = yaml("agent-groups:\n  - {name: g, members: [ghost]}\n");
    assertThatThrownBy(() -> ConfigServerFixture.start(dir.resolve("data"), bootstrap, false))
        .hasMessageContaining("objects[0].agent_group.members[0]: no Agent named 'ghost'");
  }

  @Test
  void aBootstrapFileWithoutObjectsStopsTheStartNamingTheFile() throws Exception {
    Path bootstrap = yaml("# the configuration comes later\n");
    assertThatThrownBy(() -> ConfigServerFixture.start(dir.resolve("data"), bootstrap, false))
        .hasStackTraceContaining(bootstrap + ": no objects to apply");
  }
}
