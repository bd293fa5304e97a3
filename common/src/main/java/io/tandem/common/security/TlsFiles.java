package io.tandem.common.security;

import java.nio.file.Path;

/**
 * The three PEM files of one identity.
 *
 * @param authority the certificate authority's certificate(s): peers must present a certificate it signed
 * @param certificate this identity's certificate (its chain, leaf first)
 * @param key this identity's private key, unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY})
 */
public record TlsFiles(Path authority, Path certificate, Path key) {
  /** {@code DIR/ca.crt}, {@code DIR/NAME.crt} and {@code DIR/NAME.key}, as {@code tandem pki init} writes them. */
  public static TlsFiles inDirectory(Path directory, String identity) {
    return new TlsFiles(directory.resolve("ca.crt"), directory.resolve(identity + ".crt"), directory.resolve(identity + ".key"));
  }
}
