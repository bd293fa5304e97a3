package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.testing.RunnableJars;
import java.io.IOException;
import java.util.List;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/** What each runnable jar carries: the operator's tool no server, the servers no client library. */
class RunnableJarContentsTest {
  private static List<String> classes(String module) throws IOException {
    try (JarFile jar = new JarFile(RunnableJars.of(module).toFile())) {
      return jar.stream().map(e -> e.getName()).filter(n -> n.endsWith(".class")).toList();
    }
  }

  @Test
  void theCommandLineCarriesNoServer() throws IOException {
    List<String> cli = classes("cli");
    assertThat(cli).as("the CLI's own classes are there").anyMatch(n -> n.startsWith("io/tandem/cli/"));
    assertThat(cli).noneMatch(n -> n.startsWith("io/tandem/statserver/"))
        .noneMatch(n -> n.startsWith("io/tandem/configserver/"))
        .noneMatch(n -> n.startsWith("io/tandem/management/") && !n.startsWith("io/tandem/management/v1/"));
  }

  @Test
  void theServersCarryNoWarmStandbyClient() throws IOException {
    for (String server : List.of("config-server-stub", "management-layer", "stat-server")) {
      assertThat(classes(server)).as(server).anyMatch(n -> n.startsWith("io/tandem/common/"))
          .noneMatch(n -> n.startsWith("io/tandem/client/"));
    }
  }
}
