package io.tandem.pki;

import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/** A certificate and its private key. */
public record Credentials(X509Certificate certificate, PrivateKey key) {
  /**
   * Writes the key (PKCS#8 PEM, readable by its owner only), then the certificate (PEM), each
   * atomically: a service that re-reads them on change never sees half a file.
   */
  public void write(Path certificateFile, Path keyFile) throws IOException {
    PemFiles.writePrivateKey(keyFile, key);
    PemFiles.writeCertificate(certificateFile, certificate);
  }

  /** The certificate and key written by {@link #write}. */
  public static Credentials read(Path certificateFile, Path keyFile) throws IOException {
    return new Credentials(PemFiles.readCertificate(certificateFile), PemFiles.readPrivateKey(keyFile));
  }
}
