package io.tandem.common.security;

import java.security.cert.CertificateParsingException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/**
 * The identity a certificate proves: its subject's common name (CN), or when it has none its
 * first DNS subject alternative name. {@code tandem pki init} puts the application's name in
 * the CN.
 */
public final class Identities {
  private static final int DNS_NAME = 2;

  private Identities() {}

  /** The identity a TLS peer's certificate proves; empty without a session or a certificate. */
  public static Optional<String> of(SSLSession session) {
    if (session == null) {
      return Optional.empty();
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
        return Optional.empty();
      }
      return of(leaf);
    } catch (SSLPeerUnverifiedException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  public static Optional<String> of(X509Certificate certificate) {
    try {
      List<Rdn> rdns = new LdapName(certificate.getSubjectX500Principal().getName(X500Principal.RFC2253)).getRdns();
      // LdapName indexes from the right; the holder's own CN, leftmost in the name, comes last.
      for (int i = rdns.size() - 1; i >= 0; i--) {
        if (rdns.get(i).getType().equalsIgnoreCase("CN")) {
          return Optional.of(String.valueOf(rdns.get(i).getValue()));
        }
      }
    } catch (InvalidNameException e) {
      throw new IllegalArgumentException("certificate subject is not a distinguished name: " + e.getMessage(), e);
    }
    try {
      Collection<List<?>> names = certificate.getSubjectAlternativeNames();
      if (names != null) {
        for (List<?> name : names) {
          if (name.get(0) instanceof Integer type && type == DNS_NAME) {
            return Optional.of(String.valueOf(name.get(1)));
          }
        }
      }
    } catch (CertificateParsingException e) {
      throw new IllegalArgumentException("certificate alternative names unreadable: " + e.getMessage(), e);
    }
    return Optional.empty();
  }
}
