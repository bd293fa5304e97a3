package io.tandem.pki;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateParsingException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The certificates of one installation in one directory: {@code ca.crt} (and the authority's
 * {@code ca.key}), then {@code NAME.crt} + {@code NAME.key} per identity.
 */
public final class PkiDirectory {
  /** The authority's file names; no identity may be called this. */
  public static final String AUTHORITY = "ca";
  /** The operator's identity: configuration writes, switchovers, history maintenance. */
  public static final String OPERATOR = "operator";
  /** The routing clients' and producers' identity: statistics and the feed. */
  public static final String CLIENT = "client";
  /** The addresses every service certificate names, so that a stack on one machine checks out. */
  public static final List<String> LOCAL_HOSTS = List.of("localhost", "127.0.0.1", "::1");
  public static final Duration AUTHORITY_VALIDITY = Duration.ofDays(3650);
  public static final Duration CERTIFICATE_VALIDITY = Duration.ofDays(365);

  /** A name that is also a safe file name: what Tandem's application names look like. */
  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

  private final Path directory;
  private final Clock clock;

  public PkiDirectory(Path directory, Clock clock) {
    this.directory = directory;
    this.clock = clock;
  }

  public Path directory() {
    return directory;
  }

  public Path authorityCertificate() {
    return directory.resolve(AUTHORITY + ".crt");
  }

  public Path certificate(String name) {
    return directory.resolve(name + ".crt");
  }

  public Path key(String name) {
    return directory.resolve(name + ".key");
  }

  /** What {@link #init} did. */
  public record InitResult(boolean authorityCreated, List<String> issued, List<String> kept) {}

  /**
   * Creates the authority if there is none, then a certificate for each service (naming
   * {@link #LOCAL_HOSTS} and {@code extraHosts}) and each client identity that has none yet.
   * With {@code renew}, identities that have one get a new one from the same authority
   * (services re-read their files on change, so this rotates them without a restart).
   *
   * @throws IllegalArgumentException for a name that cannot be an identity (named in the message)
   */
  public InitResult init(Collection<String> services, Collection<String> clients, List<String> extraHosts, boolean renew)
      throws IOException {
    Set<String> all = new LinkedHashSet<>();
    for (String name : concat(services, clients)) {
      check(name);
      all.add(name);
    }
    createPrivateDirectory();
    boolean created = false;
    CertificateAuthority authority;
    Path authorityKey = key(AUTHORITY);
    if (Files.exists(authorityKey) && Files.exists(authorityCertificate())) {
      authority = CertificateAuthority.load(authorityCertificate(), authorityKey, clock);
    } else {
      authority = CertificateAuthority.create("Tandem CA " + directory.toAbsolutePath().getFileName(), AUTHORITY_VALIDITY, clock);
      authority.credentials().write(authorityCertificate(), authorityKey);
      created = true;
    }
    List<String> hosts = new ArrayList<>(LOCAL_HOSTS);
    extraHosts.stream().filter(host -> !hosts.contains(host)).forEach(hosts::add);
    List<String> issued = new ArrayList<>();
    List<String> kept = new ArrayList<>();
    for (String name : all) {
      CertificateRole role = services.contains(name) ? CertificateRole.SERVICE : CertificateRole.CLIENT;
      // A new authority invalidates whatever certificates were there before it; a service's
      // certificate that does not name a host asked for now (containers' names, say) is replaced.
      if (!created && !renew && Files.exists(certificate(name)) && Files.exists(key(name))
          && (role == CertificateRole.CLIENT || names(certificate(name)).containsAll(normalised(hosts)))) {
        kept.add(name);
        continue;
      }
      authority.issue(name, role, role == CertificateRole.SERVICE ? hosts : List.of(), CERTIFICATE_VALIDITY)
          .write(certificate(name), key(name));
      issued.add(name);
    }
    return new InitResult(created, issued, kept);
  }

  /** The DNS names and addresses {@code certificate} names (addresses as {@link #normalised}). */
  private static Set<String> names(Path certificate) throws IOException {
    try {
      Collection<List<?>> alternatives = PemFiles.readCertificate(certificate).getSubjectAlternativeNames();
      List<String> names = new ArrayList<>();
      if (alternatives != null) {
        alternatives.forEach(name -> names.add(String.valueOf(name.get(1))));
      }
      return normalised(names);
    } catch (CertificateParsingException e) {
      throw new IOException(certificate + ": " + e.getMessage(), e);
    }
  }

  /** Host names as they are, IP address literals in one spelling ("::1" and "0:0:0:0:0:0:0:1" alike). */
  private static Set<String> normalised(Collection<String> hosts) {
    Set<String> names = new LinkedHashSet<>();
    for (String host : hosts) {
      boolean literal = host.contains(":") || host.matches("[0-9.]+");
      try {
        names.add(literal ? InetAddress.getByName(host).getHostAddress() : host);
      } catch (UnknownHostException e) {
        names.add(host);
      }
    }
    return names;
  }

  private void createPrivateDirectory() throws IOException {
    if (Files.isDirectory(directory)) {
      return;
    }
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } else {
      Files.createDirectories(directory);
    }
  }

  private static void check(String name) {
    if (!SAFE_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("'" + name + "' cannot be an identity: up to 128 letters, digits, '_', '.', '-',"
          + " starting with a letter or digit");
    }
    if (name.equals(AUTHORITY)) {
      throw new IllegalArgumentException("'" + AUTHORITY + "' cannot be an identity: its files are the authority's");
    }
  }

  private static List<String> concat(Collection<String> first, Collection<String> second) {
    List<String> all = new ArrayList<>(first);
    all.addAll(second);
    return all;
  }
}
