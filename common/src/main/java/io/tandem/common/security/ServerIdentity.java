package io.tandem.common.security;

import java.util.Objects;

/**
 * Whom a channel expects to reach: the identity the server's certificate must prove, on top of
 * the authority's signature and the host name. Every service certificate of an installation
 * names the same hosts, so the host name alone cannot tell the Config Server from a Stat Server
 * listening at the Config Server's address; the identity can.
 */
public final class ServerIdentity {
  /** The Config Server's application name unless it is given another ({@code --app}). */
  public static final String CONFIG_SERVER = "confserv";
  /** The Management Layer's application name unless it is given another ({@code --app}). */
  public static final String MANAGEMENT_LAYER = "MgmtLayer";
  /** The members of the etcd cluster a Config Server keeps its store in (their certificates' identity). */
  public static final String ETCD = "etcd";

  private static final ServerIdentity ANY = new ServerIdentity(null);

  /** The one identity accepted; null for any the authority signed. */
  private final String name;

  private ServerIdentity(String name) {
    this.name = name;
  }

  /** Only the certificate of {@code name}. */
  public static ServerIdentity of(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("the expected server identity is empty");
    }
    return new ServerIdentity(name);
  }

  /**
   * Any certificate the authority signed for the host dialled: for a caller that knows an address
   * and nothing else, and whose answer does not depend on who gives it (a health check of HOST:PORT).
   */
  public static ServerIdentity anyFromTheAuthority() {
    return ANY;
  }

  /** Whether a server presenting {@code identity}'s certificate is the one expected. */
  public boolean accepts(String identity) {
    return name == null || name.equals(identity);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ServerIdentity that && Objects.equals(name, that.name);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(name);
  }

  /** The name, or "any identity from the authority". */
  @Override
  public String toString() {
    return name == null ? "any identity from the authority" : name;
  }
}
