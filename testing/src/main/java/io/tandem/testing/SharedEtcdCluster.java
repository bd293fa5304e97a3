package io.tandem.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real etcd cluster (plaintext) shared by the tests of one class, started before the first and
 * stopped after the last: {@code @RegisterExtension static final SharedEtcdCluster etcd = new
 * SharedEtcdCluster(3);}. The tests keep apart by using prefixes of their own. Skipped, or failed
 * with {@code CI} set, when etcd is not installed.
 */
public final class SharedEtcdCluster implements BeforeAllCallback, AfterAllCallback {
  private static final Duration START = Duration.ofMinutes(1);

  private final int members;
  private Path dir;
  private EtcdCluster cluster;

  public SharedEtcdCluster(int members) {
    this.members = members;
  }

  public EtcdCluster cluster() {
    if (cluster == null) {
      throw new IllegalStateException("the etcd cluster is started before the class's first test");
    }
    return cluster;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    EtcdCluster.requireBinary();
    dir = Files.createTempDirectory("tandem-etcd-");
    cluster = EtcdCluster.start(dir, members, START);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (cluster != null) {
      cluster.close();
      cluster = null;
    }
    if (dir != null) {
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(path);
        }
      } catch (IOException e) {
        throw new IOException("cannot delete the etcd cluster's directory " + dir, e);
      }
    }
  }
}
