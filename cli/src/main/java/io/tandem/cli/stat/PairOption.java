package io.tandem.cli.stat;

import io.tandem.client.WarmStandbyClient;
import io.tandem.common.grpc.HostPortConverter;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.security.TransportSecurity;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --pair HOST:PORT,HOST:PORT}: the two client ports of a Stat Server pair, and
 * {@code --pair-identities NAME,NAME}: the applications whose certificates they must present.
 */
public final class PairOption {
  @Option(names = "--pair", split = ",", defaultValue = "localhost:2040,localhost:2041", converter = HostPortConverter.class,
      description = "Client ports of the Stat Server pair (default ${DEFAULT-VALUE}).")
  List<HostPort> members;

  @Option(names = "--pair-identities", split = ",", paramLabel = "NAME,NAME", defaultValue = "StatServer_A,StatServer_B",
      description = "The applications of the --pair members, in the same order: each must present its own certificate"
          + " (default ${DEFAULT-VALUE}).")
  List<String> identities;

  /** A client of the pair calling with {@code security} (the caller closes both, the client first). */
  public WarmStandbyClient connect(TransportSecurity security) {
    if (members.size() != 2) {
      throw new IllegalArgumentException("--pair needs exactly two HOST:PORT addresses, got " + members.size());
    }
    if (identities.size() != 2) {
      throw new IllegalArgumentException("--pair-identities needs exactly two names, got " + identities.size());
    }
    return new WarmStandbyClient(new WarmStandbyClient.Member(identities.get(0), members.get(0)),
        new WarmStandbyClient.Member(identities.get(1), members.get(1)), security);
  }
}
