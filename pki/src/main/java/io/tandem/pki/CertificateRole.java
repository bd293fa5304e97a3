package io.tandem.pki;

/** What a certificate is for: which extended key usages it carries. */
public enum CertificateRole {
  /** A service: presents the certificate to its callers, and to the services it calls itself. */
  SERVICE,
  /** Only calls services: the operator's command line, a routing client, a producer. */
  CLIENT
}
