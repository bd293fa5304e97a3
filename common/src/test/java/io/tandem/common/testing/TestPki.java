package io.tandem.common.testing;

import io.tandem.common.bootstrap.ServerSecurity;
import io.tandem.common.security.ConnectionLimits;
import io.tandem.common.security.TlsFiles;
import io.tandem.common.security.TransportSecurity;
import io.tandem.pki.PkiDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Certificates for a test, made as {@code tandem pki init} makes them, in a directory the test owns. */
public final class TestPki {
  /** The services of the shared set: the sample configuration's applications and a generic "test". */
  public static final List<String> SHARED_SERVICES = List.of("confserv", "MgmtLayer", "StatServer_A", "StatServer_B", "test");
  /** The clients of the shared set. */
  public static final List<String> SHARED_CLIENTS = List.of("operator", "client", "monitor");
  private static TestPki shared;

  private final PkiDirectory pki;

  private TestPki(PkiDirectory pki) {
    this.pki = pki;
  }

  /** Service certificates for {@code services}, client certificates for {@code clients}. */
  public static TestPki create(Path directory, List<String> services, List<String> clients) {
    TestPki made = new TestPki(new PkiDirectory(directory, Clock.systemUTC()));
    made.issue(services, clients, false);
    return made;
  }

  /**
   * One set for the whole test JVM ({@link #SHARED_SERVICES}, {@link #SHARED_CLIENTS}), in a
   * temporary directory removed when the JVM exits: making keys costs milliseconds each, and
   * most tests only need certificates to exist.
   */
  public static synchronized TestPki shared() {
    if (shared == null) {
      try {
        Path directory = Files.createTempDirectory("tandem-test-pki");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(directory), "test-pki-cleanup"));
        shared = create(directory.resolve("pki"), SHARED_SERVICES, SHARED_CLIENTS);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return shared;
  }

  private static void deleteQuietly(Path directory) {
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
    } catch (IOException e) {
      // a temporary directory: the system cleans it up eventually
    }
  }

  /** New certificates from the same authority for {@code names} (a rotation). */
  public void renew(List<String> services, List<String> clients) {
    issue(services, clients, true);
  }

  private void issue(List<String> services, List<String> clients, boolean renew) {
    try {
      pki.init(services, clients, List.of(), renew);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path directory() {
    return pki.directory();
  }

  public TlsFiles files(String identity) {
    return TlsFiles.inDirectory(pki.directory(), identity);
  }

  /** Mutual TLS as {@code identity}; the caller closes it. */
  public TransportSecurity security(String identity) {
    return TransportSecurity.mutualTls(files(identity));
  }

  /** A server's guard as {@code identity}, default limits. */
  public ServerSecurity server(String identity) {
    return new ServerSecurity(security(identity), ConnectionLimits.defaults());
  }

  /** The {@code --tls-*} flags of {@code identity}. */
  public List<String> flags(String identity) {
    TlsFiles files = files(identity);
    return List.of("--tls-ca", files.authority().toString(), "--tls-cert", files.certificate().toString(),
        "--tls-key", files.key().toString());
  }
}
