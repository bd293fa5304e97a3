package io.tandem.common.security;

import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trust manager of one channel: the authority's checks first (signature, validity, the host
 * dialled), then that the server's certificate is the {@link ServerIdentity} the channel expects.
 * A server presenting another identity's certificate fails the handshake; 00-05081 names the
 * address, the identity expected and the one presented.
 */
final class ServerIdentityCheck extends X509ExtendedTrustManager {
  private static final Logger LOG = LoggerFactory.getLogger(ServerIdentityCheck.class);

  private final X509ExtendedTrustManager authority;
  private final ServerIdentity expected;

  ServerIdentityCheck(X509ExtendedTrustManager authority, ServerIdentity expected) {
    this.authority = authority;
    this.expected = expected;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    authority.checkServerTrusted(chain, authType, engine);
    check(chain, engine == null ? "unknown" : engine.getPeerHost() + ":" + engine.getPeerPort());
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    authority.checkServerTrusted(chain, authType, socket);
    String address = "unknown";
    if (socket instanceof SSLSocket ssl && ssl.getHandshakeSession() != null) {
      address = ssl.getHandshakeSession().getPeerHost() + ":" + ssl.getHandshakeSession().getPeerPort();
    }
    check(chain, address);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    authority.checkServerTrusted(chain, authType);
    check(chain, "unknown");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    authority.checkClientTrusted(chain, authType, engine);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    authority.checkClientTrusted(chain, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    authority.checkClientTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return authority.getAcceptedIssuers();
  }

  private void check(X509Certificate[] chain, String address) throws CertificateException {
    String presented;
    try {
      presented = Identities.of(chain[0]).orElse("");
    } catch (IllegalArgumentException e) {
      presented = "";
    }
    if (!expected.accepts(presented)) {
      String shown = presented.isEmpty() ? "(none)" : presented;
      EventLog.emit(LOG, LogEvent.SERVER_IDENTITY_REFUSED, "address", address, "expected", expected, "presented", shown);
      throw new CertificateException("the server at " + address + " presented the certificate of '" + shown
          + "', not of '" + expected + "' as expected");
    }
  }
}
