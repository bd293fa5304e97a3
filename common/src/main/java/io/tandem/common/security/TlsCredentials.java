package io.tandem.common.security;

import io.grpc.util.CertificateUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.Objects;
import java.util.Optional;

/**
 * The contents of a {@link TlsFiles}, read and checked together: the key pairs with the
 * certificate (what it signs, the certificate's public key verifies), the certificate is signed
 * by the authority and valid now. Each refusal names the flag and file at fault.
 */
// The arrays go to the TLS engine as they are and are never compared or exposed.
@SuppressWarnings("ArrayRecordComponent")
record TlsCredentials(X509Certificate[] authorities, X509Certificate[] chain, PrivateKey key, String identity) {
  private static final SecureRandom RANDOM = new SecureRandom();

  TlsCredentials {
    Objects.requireNonNull(authorities, "authorities");
    Objects.requireNonNull(chain, "chain");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(identity, "identity");
  }

  static TlsCredentials read(TlsFiles files) {
    X509Certificate[] authorities = certificates(files.authority(), "--tls-ca");
    X509Certificate[] chain = certificates(files.certificate(), "--tls-cert");
    PrivateKey key;
    try (InputStream in = open(files.key(), "--tls-key")) {
      key = CertificateUtils.getPrivateKey(in);
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new InvalidCredentialsException("--tls-key " + files.key() + ": not an unencrypted PKCS#8 private key"
          + " (BEGIN PRIVATE KEY): " + e.getMessage(), e);
    }
    X509Certificate leaf = chain[0];
    if (!leaf.getPublicKey().getAlgorithm().equals(key.getAlgorithm())) {
      throw new InvalidCredentialsException("--tls-key " + files.key() + ": a " + key.getAlgorithm()
          + " key, but the certificate " + files.certificate() + " holds a " + leaf.getPublicKey().getAlgorithm() + " key");
    }
    if (!pairs(key, leaf.getPublicKey())) {
      throw new InvalidCredentialsException("--tls-key " + files.key() + ": does not pair with the certificate "
          + files.certificate() + " (what it signs, the certificate's public key does not verify)");
    }
    try {
      leaf.checkValidity(Date.from(Instant.now()));
    } catch (CertificateExpiredException | CertificateNotYetValidException e) {
      throw new InvalidCredentialsException("--tls-cert " + files.certificate() + ": not valid now (valid "
          + leaf.getNotBefore().toInstant() + " to " + leaf.getNotAfter().toInstant() + ")", e);
    }
    X509Certificate signer = chain.length > 1 ? chain[chain.length - 1] : leaf;
    if (Arrays.stream(authorities).noneMatch(authority -> signedBy(signer, authority))) {
      throw new InvalidCredentialsException("--tls-cert " + files.certificate() + ": not signed by the authority in --tls-ca "
          + files.authority() + " (issuer " + signer.getIssuerX500Principal().getName() + ")");
    }
    Optional<String> named;
    try {
      named = Identities.of(leaf);
    } catch (IllegalArgumentException e) {
      throw new InvalidCredentialsException("--tls-cert " + files.certificate() + ": " + e.getMessage(), e);
    }
    String identity = named.orElseThrow(() -> new InvalidCredentialsException(
        "--tls-cert " + files.certificate() + ": names no identity (no CN and no DNS alternative name)"));
    return new TlsCredentials(authorities, chain, key, identity);
  }

  Instant notAfter() {
    return chain[0].getNotAfter().toInstant();
  }

  /**
   * Checks that these credentials, read from {@code files} while the process runs, may replace
   * {@code running}: a renewal keeps the identity the process has been running as.
   *
   * @throws InvalidCredentialsException naming the certificate and both identities
   */
  void checkRenews(TlsCredentials running, TlsFiles files) {
    if (!identity.equals(running.identity())) {
      throw new InvalidCredentialsException("--tls-cert " + files.certificate() + ": the certificate of '" + identity
          + "', not of '" + running.identity() + "', the identity this process runs as (a renewal keeps the identity;"
          + " restart the process to change it)");
    }
  }

  /** Whether {@code key} signs what {@code certified} verifies: a random challenge, signed and checked. */
  private static boolean pairs(PrivateKey key, PublicKey certified) {
    String algorithm = switch (key.getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
      default -> throw new InvalidCredentialsException("a " + key.getAlgorithm()
          + " private key: only EC, RSA and EdDSA keys are supported");
    };
    byte[] challenge = new byte[32];
    RANDOM.nextBytes(challenge);
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certified);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      // A key of another curve or size than the certificate's cannot even be tried against it.
      return false;
    }
  }

  private static boolean signedBy(X509Certificate certificate, X509Certificate authority) {
    try {
      certificate.verify(authority.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static X509Certificate[] certificates(Path file, String flag) {
    try (InputStream in = open(file, flag)) {
      X509Certificate[] certificates = CertificateUtils.getX509Certificates(in);
      if (certificates.length == 0) {
        throw new InvalidCredentialsException(flag + " " + file + ": no certificate in it");
      }
      return certificates;
    } catch (IOException | GeneralSecurityException e) {
      throw new InvalidCredentialsException(flag + " " + file + ": not a PEM certificate: " + e.getMessage(), e);
    }
  }

  private static InputStream open(Path file, String flag) throws IOException {
    if (!Files.isReadable(file)) {
      throw new InvalidCredentialsException(flag + " " + file + ": no such readable file");
    }
    return Files.newInputStream(file);
  }
}
