package io.tandem.common.security;

import io.grpc.Context;

/**
 * Who makes the current call: the identity its certificate proves, and where it calls from.
 * Set by {@link AccessControl} for every call, readable by service code on the call's thread.
 *
 * @param identity the certificate's identity, or {@link TransportSecurity#ANONYMOUS} on a plaintext server
 * @param address the caller's address ("127.0.0.1:53122")
 * @param authenticated false on a plaintext server, where nobody is checked
 */
public record Caller(String identity, String address, boolean authenticated) {
  static final Context.Key<Caller> KEY = Context.key("tandem-caller");
  private static final Caller UNKNOWN = new Caller(TransportSecurity.ANONYMOUS, "unknown", false);

  /** The caller of the call this thread serves ({@code anonymous@unknown} outside a call). */
  public static Caller current() {
    Caller caller = KEY.get();
    return caller == null ? UNKNOWN : caller;
  }

  /** Whether this caller is {@code identity}; anyone is, on a plaintext server. */
  public boolean is(String name) {
    return !authenticated || identity.equals(name);
  }

  @Override
  public String toString() {
    return identity + "@" + address;
  }
}
