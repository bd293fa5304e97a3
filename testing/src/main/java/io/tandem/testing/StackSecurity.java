package io.tandem.testing;

import io.tandem.common.security.AccessRule;
import io.tandem.common.security.TlsFiles;
import io.tandem.common.security.TransportSecurity;
import io.tandem.pki.PkiDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The certificates of one {@link MiniStack}, made on demand in its directory as
 * {@code tandem pki init} makes them, and the {@link TransportSecurity} of each identity the
 * test calls as. In plaintext, {@code --insecure} everywhere.
 */
final class StackSecurity implements AutoCloseable {
  private final PkiDirectory pki;
  private final Map<String, TransportSecurity> opened = new LinkedHashMap<>();

  /** @param directory where the certificates go; null for a plaintext stack */
  StackSecurity(Path directory) {
    this.pki = directory == null ? null : new PkiDirectory(directory, Clock.systemUTC());
  }

  boolean plaintext() {
    return pki == null;
  }

  Path directory() {
    if (pki == null) {
      throw new IllegalStateException("a plaintext stack has no certificates");
    }
    return pki.directory();
  }

  /** The flags that make a service or command use {@code identity}'s certificate (issued if it has none). */
  synchronized List<String> flags(String identity) {
    if (pki == null) {
      return List.of("--insecure");
    }
    TlsFiles files = issue(identity);
    return List.of("--tls-ca", files.authority().toString(), "--tls-cert", files.certificate().toString(),
        "--tls-key", files.key().toString());
  }

  /** Mutual TLS as {@code identity} (issued if it has none); closed with the stack. */
  synchronized TransportSecurity security(String identity) {
    TransportSecurity security = opened.get(identity);
    if (security == null) {
      security = pki == null ? TransportSecurity.plaintext() : TransportSecurity.mutualTls(issue(identity));
      opened.put(identity, security);
    }
    return security;
  }

  /**
   * Every identity but the operator and client gets a service certificate: a test may call as an
   * application before starting it (an impostor, a probe), and the same certificate must then serve.
   */
  private TlsFiles issue(String identity) {
    boolean client = identity.equals(AccessRule.OPERATOR) || identity.equals(AccessRule.CLIENT);
    try {
      pki.init(client ? List.of() : List.of(identity), client ? List.of(identity) : List.of(), List.of(), false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return TlsFiles.inDirectory(pki.directory(), identity);
  }

  @Override
  public synchronized void close() {
    new ArrayList<>(opened.values()).forEach(TransportSecurity::close);
    opened.clear();
  }
}
