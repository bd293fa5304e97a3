package io.tandem.cli.pair;

import io.tandem.common.grpc.HostPortConverter;
import io.tandem.protocol.link.HostPort;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --etcd-endpoints HOST:PORT[,...]}: the etcd members {@code status} and {@code console} show. */
public final class EtcdOption {
  @Option(names = "--etcd-endpoints", converter = HostPortConverter.class, split = ",", paramLabel = "HOST:PORT[,...]",
      description = "The etcd members to show (default: those bin/tandem up --etcd started here, if any).")
  List<HostPort> endpoints;

  /** {@code --etcd-endpoints}, or those {@code tandem up --etcd} started here (none without). */
  public List<HostPort> endpoints() {
    return endpoints != null ? endpoints : StoreStatus.localEtcd();
  }
}
