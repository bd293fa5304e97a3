package io.tandem.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.IPAddress;

/**
 * A certificate authority that issues the certificates of one Tandem installation. Keys are
 * ECDSA P-256: small, and the cheapest TLS handshakes the JDK offers.
 */
public final class CertificateAuthority {
  private static final String SIGNATURE = "SHA256withECDSA";
  /** Certificates start an hour early, for clocks that are a little behind. */
  private static final Duration CLOCK_SKEW = Duration.ofHours(1);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Credentials credentials;
  private final Clock clock;

  private CertificateAuthority(Credentials credentials, Clock clock) {
    this.credentials = credentials;
    this.clock = clock;
  }

  /** A new authority whose self-signed certificate says {@code name}. */
  public static CertificateAuthority create(String name, Duration validity, Clock clock) {
    KeyPair keys = newKeyPair();
    X500Name subject = subject(name);
    try {
      X509v3CertificateBuilder builder = builder(subject, subject, keys.getPublic(), validity, clock);
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      builder.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
      return new CertificateAuthority(new Credentials(sign(builder, keys), keys.getPrivate()), clock);
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot build the authority's certificate: " + e.getMessage(), e);
    }
  }

  /** The authority whose certificate and key {@link Credentials#write} saved. */
  public static CertificateAuthority load(Path certificateFile, Path keyFile, Clock clock) throws IOException {
    return new CertificateAuthority(Credentials.read(certificateFile, keyFile), clock);
  }

  public Credentials credentials() {
    return credentials;
  }

  public X509Certificate certificate() {
    return credentials.certificate();
  }

  /**
   * A certificate whose subject common name is {@code name} (the identity Tandem's services see),
   * signed by this authority. A {@link CertificateRole#SERVICE} certificate also names
   * {@code hosts} (DNS names or IP addresses) as the addresses it may be reached at: callers
   * check the address they dialled against them.
   */
  public Credentials issue(String name, CertificateRole role, List<String> hosts, Duration validity) {
    KeyPair keys = newKeyPair();
    X509Certificate issuer = credentials.certificate();
    try {
      X509v3CertificateBuilder builder = builder(
          X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded()), subject(name), keys.getPublic(), validity, clock);
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      builder.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
      builder.addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(issuer));
      if (role == CertificateRole.SERVICE) {
        builder.addExtension(Extension.extendedKeyUsage, false,
            new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        if (!hosts.isEmpty()) {
          builder.addExtension(Extension.subjectAlternativeName, false, alternativeNames(hosts));
        }
      } else {
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
      }
      return new Credentials(sign(builder, new KeyPair(issuer.getPublicKey(), credentials.key())), keys.getPrivate());
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot build the certificate of " + name + ": " + e.getMessage(), e);
    }
  }

  private static GeneralNames alternativeNames(List<String> hosts) {
    GeneralName[] names = hosts.stream()
        .map(host -> IPAddress.isValid(host) ? new GeneralName(GeneralName.iPAddress, host) : new GeneralName(GeneralName.dNSName, host))
        .toArray(GeneralName[]::new);
    return new GeneralNames(names);
  }

  private static X500Name subject(String commonName) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Tandem").addRDN(BCStyle.CN, commonName).build();
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, PublicKey key, Duration validity,
      Clock clock) {
    Instant now = clock.instant();
    // Positive and 159 bits: within RFC 5280's 20 octets, and never repeated.
    BigInteger serial = new BigInteger(159, RANDOM);
    return new JcaX509v3CertificateBuilder(issuer, serial, Date.from(now.minus(CLOCK_SKEW)), Date.from(now.plus(validity)),
        subject, key);
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer) throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder(SIGNATURE).build(signer.getPrivate())));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e.getMessage(), e);
    }
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot make P-256 keys: " + e.getMessage(), e);
    }
  }
}
