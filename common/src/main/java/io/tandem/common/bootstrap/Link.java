package io.tandem.common.bootstrap;

import java.time.Instant;
import java.util.Optional;

/** A connection a service needs to do its job (a Stat Server's to the Config Server, say), as the service sees it. */
public interface Link {
  /** The other end, as the status file names it ("config-server"). */
  String name();

  /** Since when it has been down; empty while it is up. */
  Optional<Instant> downSince();
}
