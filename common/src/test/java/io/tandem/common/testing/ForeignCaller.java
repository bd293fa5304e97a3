package io.tandem.common.testing;

import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.tandem.common.security.TlsFiles;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * An outsider with an authority of its own who trusts the installation's: it accepts the
 * services' certificates and presents one its own authority signed, so only the service can
 * turn it away. Built from the files directly, as {@code TransportSecurity} refuses a certificate
 * its {@code --tls-ca} did not sign.
 *
 * @param files the installation's {@code ca.crt}, and the outsider's certificate and key
 */
public record ForeignCaller(TlsFiles files) {
  /** Trusts the authority whose certificate is {@code installationAuthority}, presents {@code own}'s certificate and key. */
  public static ForeignCaller trusting(Path installationAuthority, TlsFiles own) {
    return new ForeignCaller(new TlsFiles(installationAuthority, own.certificate(), own.key()));
  }

  public ChannelCredentials channelCredentials() {
    try {
      return TlsChannelCredentials.newBuilder().keyManager(files.certificate().toFile(), files.key().toFile())
          .trustManager(files.authority().toFile()).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** For HTTPS (the metrics port): the same certificate, the same trust. */
  public SSLContext sslContext() {
    try {
      AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
      keys.updateIdentityCredentials(new File(files.certificate().toString()), new File(files.key().toString()));
      return sslContext(new KeyManager[] {keys}, files.authority());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** For HTTPS: a caller with no certificate at all that trusts {@code installationAuthority}. */
  public static SSLContext withoutCertificate(Path installationAuthority) {
    try {
      return sslContext(null, installationAuthority);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static SSLContext sslContext(KeyManager[] keys, Path authority)
      throws IOException, GeneralSecurityException {
    AdvancedTlsX509TrustManager trust = AdvancedTlsX509TrustManager.newBuilder()
        .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION).build();
    trust.updateTrustCredentials(new File(authority.toString()));
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys, new TrustManager[] {trust}, null);
    return context;
  }
}
