package io.tandem.common.security;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.concurrent.Scheduled;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How one process's links are secured: mutual TLS with one identity's {@link TlsFiles}, or
 * plaintext when asked for explicitly ({@code --insecure}). Servers present the certificate
 * and require a client certificate signed by the authority; channels present it too and check
 * that the server's certificate names the host they dialled and is the identity they expect.
 * The files are re-read when they change, so certificates are replaced without a restart (new
 * connections use the new ones).
 */
public final class TransportSecurity implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TransportSecurity.class);
  /** How often the files' modification times are compared: a rotation takes effect within this. */
  public static final Duration REREAD_EVERY = Duration.ofSeconds(5);
  /** The identity every caller has on a plaintext server. */
  public static final String ANONYMOUS = "anonymous";

  private final TlsFiles files;
  /** How the files are read and checked: {@link TlsCredentials#read}, or a test's reader with faults in it. */
  private final Function<TlsFiles, TlsCredentials> reader;
  private final AdvancedTlsX509KeyManager keys;
  private final AdvancedTlsX509TrustManager trust;
  private final ScheduledExecutorService rereader;
  private volatile TlsCredentials current;
  /** The files' modification times when they were last installed or refused. */
  private List<FileTime> stamps;
  /** Modification times at which the files could not be used once, not yet refused: a rotation may be half written. */
  private List<FileTime> unusableAt;
  /** Modification times at which reading the files failed for another reason than their contents, alarmed once. */
  private List<FileTime> failedAt;

  private TransportSecurity(TlsFiles files, Duration rereadEvery, Function<TlsFiles, TlsCredentials> reader) {
    this.files = files;
    this.reader = reader;
    if (files == null) {
      this.keys = null;
      this.trust = null;
      this.rereader = null;
      return;
    }
    this.keys = new AdvancedTlsX509KeyManager();
    try {
      this.trust = AdvancedTlsX509TrustManager.newBuilder()
          .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION)
          .build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM has no X.509 trust manager: " + e.getMessage(), e);
    }
    this.stamps = stamps(files);
    install(reader.apply(files));
    this.rereader = Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("tls-files"));
    Scheduled.repeat(rereader, "reread TLS files", rereadEvery, rereadEvery, this::rereadIfChanged);
  }

  /** Plaintext, no identities: only when the operator asked for it. */
  public static TransportSecurity plaintext() {
    return new TransportSecurity(null, REREAD_EVERY, TlsCredentials::read);
  }

  /**
   * Mutual TLS with {@code files}, checked now.
   *
   * @throws InvalidCredentialsException naming the flag and file at fault
   */
  public static TransportSecurity mutualTls(TlsFiles files) {
    return mutualTls(files, REREAD_EVERY);
  }

  public static TransportSecurity mutualTls(TlsFiles files, Duration rereadEvery) {
    return mutualTls(files, rereadEvery, TlsCredentials::read);
  }

  /** Mutual TLS with {@code files} as {@code reader} reads them (a test's reader puts faults in it). */
  static TransportSecurity mutualTls(TlsFiles files, Duration rereadEvery, Function<TlsFiles, TlsCredentials> reader) {
    return new TransportSecurity(Objects.requireNonNull(files, "files"), rereadEvery, reader);
  }

  public boolean isPlaintext() {
    return files == null;
  }

  /** Who this process is to its peers: its certificate's identity, or {@link #ANONYMOUS} in plaintext. */
  public String identity() {
    return files == null ? ANONYMOUS : current.identity();
  }

  /** For a log line: "mtls" or "plaintext". */
  public String mode() {
    return files == null ? "plaintext" : "mtls";
  }

  /**
   * A channel's credentials: this identity's certificate, and the server's checked against the
   * authority, the host dialled and {@code server} (plaintext: none of it).
   */
  public ChannelCredentials channelCredentials(ServerIdentity server) {
    if (files == null) {
      return InsecureChannelCredentials.create();
    }
    return TlsChannelCredentials.newBuilder().keyManager(keys).trustManager(new ServerIdentityCheck(trust, server)).build();
  }

  public ServerCredentials serverCredentials() {
    if (files == null) {
      return InsecureServerCredentials.create();
    }
    return TlsServerCredentials.newBuilder().keyManager(keys).trustManager(trust)
        .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE).build();
  }

  /**
   * The same identity and authority for TLS that is not gRPC's (the metrics port, and whoever
   * scrapes it): the key and trust managers are the ones gRPC uses, so a rotation reaches it too.
   *
   * @throws IllegalStateException in plaintext
   */
  public SSLContext sslContext() {
    if (files == null) {
      throw new IllegalStateException("plaintext: no TLS context");
    }
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {keys}, new TrustManager[] {trust}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM has no TLS: " + e.getMessage(), e);
    }
  }

  /**
   * Puts {@code credentials} in service, all of them or none: the authority goes first, as its
   * update is the only step that can fail and changes nothing when it does (gRPC's trust manager
   * switches to the new authority in one write once it is built); the key's update cannot fail
   * ({@link TlsCredentials} holds no null), and {@link #current} changes last.
   */
  private void install(TlsCredentials credentials) {
    try {
      trust.updateTrustCredentials(credentials.authorities());
    } catch (IOException | GeneralSecurityException e) {
      throw new InvalidCredentialsException("--tls-ca " + files.authority() + ": " + e.getMessage(), e);
    }
    keys.updateIdentityCredentials(credentials.chain(), credentials.key());
    current = credentials;
  }

  /**
   * Installs the files when they changed and can be used: the key pairs with the certificate,
   * which the authority signed, is valid now and names the identity this process runs as.
   * Otherwise the credentials in use stay, and 00-05078 says why once the files have stayed
   * unusable for a whole look: a rotation writes the key, then the certificate, and a look
   * between the two must not raise an alarm. Anything else going wrong is alarmed at once and
   * tried again at the next look: this runs as a scheduled task, and one that throws is never
   * run again.
   */
  private synchronized void rereadIfChanged() {
    List<FileTime> now = List.of();
    try {
      now = stamps(files);
      if (now.equals(stamps)) {
        return;
      }
      TlsCredentials credentials = reader.apply(files);
      credentials.checkRenews(current, files);
      install(credentials);
      stamps = now;
      unusableAt = null;
      failedAt = null;
      EventLog.emit(LOG, LogEvent.CREDENTIALS_RELOADED, "identity", credentials.identity(),
          "certificate", files.certificate(), "not_after", credentials.notAfter());
    } catch (InvalidCredentialsException e) {
      unusable(now, e);
    } catch (RuntimeException | Error e) {
      failed(now, e);
    }
  }

  private void unusable(List<FileTime> now, InvalidCredentialsException e) {
    if (!now.equals(unusableAt)) {
      unusableAt = now;
      return;
    }
    stamps = now;
    unusableAt = null;
    EventLog.emit(LOG, LogEvent.CREDENTIALS_UNUSABLE, "reason", e.getMessage());
  }

  /** Not the files' contents at fault: the stamps stay, so the next look reads them again; one alarm for these files. */
  private void failed(List<FileTime> now, Throwable e) {
    if (now.equals(failedAt)) {
      return;
    }
    failedAt = now;
    EventLog.emit(LOG, LogEvent.CREDENTIALS_UNUSABLE, "reason", "reading --tls-ca " + files.authority()
        + ", --tls-cert " + files.certificate() + " and --tls-key " + files.key() + " failed (" + e
        + "); they are read again at every look until they can be used");
    LOG.warn("the failure while re-reading the TLS files", e);
  }

  private static List<FileTime> stamps(TlsFiles files) {
    return List.of(modified(files.authority()), modified(files.certificate()), modified(files.key()));
  }

  private static FileTime modified(Path file) {
    try {
      return Files.getLastModifiedTime(file);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }

  @Override
  public void close() {
    if (rereader != null) {
      rereader.shutdownNow();
    }
  }
}
