package io.tandem.common.security;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --tls-ca}, {@code --tls-cert}, {@code --tls-key} and {@code --insecure}: the same
 * flags on every service and command. A service needs the three files or {@code --insecure};
 * a command defaults them to one identity's files in {@code $TANDEM_TLS_DIR} (else
 * {@code .tandem/pki}), where {@code bin/tandem up} puts them.
 */
public final class TlsFlags {
  /** The environment variable naming the directory commands take their certificates from. */
  public static final String DIRECTORY_VARIABLE = "TANDEM_TLS_DIR";
  /** Where {@code bin/tandem up} creates the installation's certificates. */
  public static final Path DEFAULT_DIRECTORY = Path.of(".tandem", "pki");

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(names = "--tls-ca", paramLabel = "FILE",
      description = "Certificate authority (PEM) whose signature peers' certificates must carry.")
  Path authority;

  @Option(names = "--tls-cert", paramLabel = "FILE",
      description = "Certificate (PEM) this process presents; its CN is the identity it calls with.")
  Path certificate;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "Private key (PEM, unencrypted PKCS#8) of --tls-cert.")
  Path key;

  @Option(names = "--insecure",
      description = "Plaintext: no TLS, no identities, every caller may do everything. For a lab or a debugger only.")
  boolean insecure;

  /**
   * A service's security: the three files, or plaintext with {@code --insecure}.
   *
   * @throws ParameterException when neither is given, or the files cannot be used
   */
  public TransportSecurity forService() {
    if (insecure) {
      refuseFilesWithInsecure();
      return TransportSecurity.plaintext();
    }
    if (authority == null || certificate == null || key == null) {
      throw usage("give --tls-ca, --tls-cert and --tls-key (the files `tandem pki init` makes), or --insecure to run"
          + " plaintext");
    }
    return open(new TlsFiles(authority, certificate, key));
  }

  /**
   * A command's security: {@code identity}'s files in the TLS directory, each replaceable by its
   * flag, or plaintext with {@code --insecure}.
   *
   * @throws ParameterException when the files are missing or cannot be used
   */
  public TransportSecurity forCommand(String identity) {
    if (insecure) {
      refuseFilesWithInsecure();
      return TransportSecurity.plaintext();
    }
    String variable = System.getenv(DIRECTORY_VARIABLE);
    Path directory = variable == null || variable.isBlank() ? DEFAULT_DIRECTORY : Path.of(variable);
    TlsFiles defaults = TlsFiles.inDirectory(directory, identity);
    TlsFiles files = new TlsFiles(authority != null ? authority : defaults.authority(),
        certificate != null ? certificate : defaults.certificate(), key != null ? key : defaults.key());
    if (!Files.exists(files.certificate()) && certificate == null) {
      throw usage("no certificate for '" + identity + "' at " + files.certificate() + ": run `tandem pki init "
          + directory + "` (bin/tandem up does it), set " + DIRECTORY_VARIABLE + ", give --tls-ca/--tls-cert/--tls-key,"
          + " or --insecure for a plaintext stack");
    }
    return open(files);
  }

  /** The {@code --tls-cert} given, or null. */
  public Path certificate() {
    return certificate;
  }

  private TransportSecurity open(TlsFiles files) {
    try {
      return TransportSecurity.mutualTls(files);
    } catch (InvalidCredentialsException e) {
      throw usage(e.getMessage());
    }
  }

  private void refuseFilesWithInsecure() {
    if (authority != null || certificate != null || key != null) {
      throw usage("--insecure runs plaintext: it cannot be combined with --tls-ca, --tls-cert or --tls-key");
    }
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
