package io.tandem.common.security;

import io.grpc.util.CertificateUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;

/**
 * The contents of a {@link TlsFiles}, read and checked together: the key matches the
 * certificate, the certificate is signed by the authority and valid now. Each refusal names
 * the flag and file at fault.
 */
record TlsCredentials(X509Certificate[] authorities, X509Certificate[] chain, PrivateKey key, String identity) {

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
    String identity = Identities.of(leaf).orElseThrow(() -> new InvalidCredentialsException(
        "--tls-cert " + files.certificate() + ": names no identity (no CN and no DNS alternative name)"));
    return new TlsCredentials(authorities, chain, key, identity);
  }

  Instant notAfter() {
    return chain[0].getNotAfter().toInstant();
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
