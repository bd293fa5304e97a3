package io.tandem.bench;

import io.tandem.testing.MiniStack;
import picocli.CommandLine.Option;

/** {@code --insecure}: every benchmark runs mutual TLS, as a real installation does, unless told otherwise. */
final class TransportOption {
  @Option(names = "--insecure",
      description = "Run the stack and the benchmark's clients in plaintext: beside a run without it, what TLS costs.")
  boolean insecure;

  MiniStack.Transport transport() {
    return insecure ? MiniStack.Transport.PLAINTEXT : MiniStack.Transport.MUTUAL_TLS;
  }
}
