package io.tandem.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PkiDirectoryTest {
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

  @TempDir
  Path dir;

  @Test
  void issuesOneCertificatePerIdentitySignedByTheAuthority() throws Exception {
    PkiDirectory pki = new PkiDirectory(dir.resolve("pki"), Clock.systemUTC());

    PkiDirectory.InitResult result = pki.init(List.of("StatServer_A", "confserv"), List.of("operator", "client"),
        List.of("stat-server-a"), false);

    assertThat(result.authorityCreated()).isTrue();
    assertThat(result.issued()).containsExactly("StatServer_A", "confserv", "operator", "client");
    X509Certificate authority = Credentials.read(pki.authorityCertificate(), pki.key("ca")).certificate();
    X509Certificate server = Credentials.read(pki.certificate("StatServer_A"), pki.key("StatServer_A")).certificate();
    assertValidChain(server, authority);
    assertThat(server.getSubjectX500Principal().getName(X500Principal.RFC2253)).contains("CN=StatServer_A");
    assertThat(server.getExtendedKeyUsage()).contains(SERVER_AUTH, CLIENT_AUTH);
    assertThat(server.getSubjectAlternativeNames().stream().map(name -> (Object) name.get(1)).toList())
        .contains("localhost", "127.0.0.1", "stat-server-a");

    X509Certificate operator = Credentials.read(pki.certificate("operator"), pki.key("operator")).certificate();
    assertValidChain(operator, authority);
    assertThat(operator.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
    assertThat(operator.getSubjectAlternativeNames()).isNull();
    assertThat(Files.readString(pki.key("operator"))).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pki.key("operator")))).isEqualTo("rw-------");
  }

  @Test
  void aServiceCertificateThatDoesNotNameAHostAskedForIsReplacedAndOneThatNamesMoreIsKept() throws Exception {
    PkiDirectory pki = new PkiDirectory(dir, Clock.systemUTC());
    pki.init(List.of("StatServer_A"), List.of("operator"), List.of(), false);

    PkiDirectory.InitResult containers = pki.init(List.of("StatServer_A"), List.of("operator"),
        List.of("statserver-a", "config-server"), false);
    assertThat(containers.issued()).containsExactly("StatServer_A");
    assertThat(containers.kept()).containsExactly("operator");
    X509Certificate server = Credentials.read(pki.certificate("StatServer_A"), pki.key("StatServer_A")).certificate();
    assertThat(server.getSubjectAlternativeNames().stream().map(name -> (Object) name.get(1)).toList())
        .contains("localhost", "statserver-a", "config-server");

    assertThat(pki.init(List.of("StatServer_A"), List.of(), List.of(), false).kept())
        .as("naming more than asked for is fine").containsExactly("StatServer_A");
  }

  @Test
  void keepsWhatExistsAndRenewsOnRequestFromTheSameAuthority() throws Exception {
    PkiDirectory pki = new PkiDirectory(dir, Clock.systemUTC());
    pki.init(List.of("StatServer_A"), List.of("client"), List.of(), false);
    X509Certificate authority = Credentials.read(pki.authorityCertificate(), pki.key("ca")).certificate();
    X509Certificate first = Credentials.read(pki.certificate("StatServer_A"), pki.key("StatServer_A")).certificate();

    PkiDirectory.InitResult again = pki.init(List.of("StatServer_A", "StatServer_B"), List.of("client"), List.of(), false);
    assertThat(again.authorityCreated()).isFalse();
    assertThat(again.kept()).containsExactly("StatServer_A", "client");
    assertThat(again.issued()).containsExactly("StatServer_B");

    PkiDirectory.InitResult renewed = pki.init(List.of("StatServer_A"), List.of(), List.of(), true);
    X509Certificate second = Credentials.read(pki.certificate("StatServer_A"), pki.key("StatServer_A")).certificate();
    assertThat(renewed.issued()).containsExactly("StatServer_A");
    assertThat(second.getSerialNumber()).isNotEqualTo(first.getSerialNumber());
    assertValidChain(second, authority);
  }

  @Test
  void refusesNamesThatCannotBeFilesOrIdentities() {
    PkiDirectory pki = new PkiDirectory(dir, Clock.systemUTC());
    assertThatThrownBy(() -> pki.init(List.of("../etc"), List.of(), List.of(), false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'../etc' cannot be an identity");
    assertThatThrownBy(() -> pki.init(List.of("ca"), List.of(), List.of(), false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("authority");
    assertThat(dir.resolve("ca.key")).doesNotExist();
  }

  private static void assertValidChain(X509Certificate certificate, X509Certificate authority) throws Exception {
    PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(authority, null)));
    parameters.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX").validate(
        CertificateFactory.getInstance("X.509").generateCertPath(List.of(certificate)), parameters);
  }
}
