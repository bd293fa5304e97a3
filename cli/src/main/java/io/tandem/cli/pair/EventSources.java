package io.tandem.cli.pair;

import io.tandem.common.security.ServerIdentity;
import io.tandem.management.v1.MemberStatus;
import io.tandem.management.v1.PairStatus;
import io.tandem.protocol.link.HostPort;
import java.util.ArrayList;
import java.util.List;

/** The services whose recent events {@code tandem events} and {@code tandem console} follow. */
public final class EventSources {
  /** One service to ask, and how to name it: a Stat Server by its application, another by identity@address. */
  public record Source(String name, HostPort address, ServerIdentity identity) {}

  private EventSources() {}

  /** The Config Servers and the Management Layers. */
  public static List<Source> services(List<HostPort> configServers, String configServerIdentity,
      ManagementOption management) {
    List<Source> sources = new ArrayList<>();
    for (HostPort address : configServers) {
      sources.add(new Source(configServerIdentity + "@" + address, address, ServerIdentity.of(configServerIdentity)));
    }
    for (HostPort address : management.addresses()) {
      sources.add(new Source(management.identity + "@" + address, address, ServerIdentity.of(management.identity)));
    }
    return sources;
  }

  /** The members of {@code pairs} that have a client address. */
  public static List<Source> statServers(List<PairStatus> pairs) {
    List<Source> sources = new ArrayList<>();
    for (PairStatus pair : pairs) {
      for (MemberStatus member : pair.getMembersList()) {
        if (!member.getClientAddress().isEmpty()) {
          sources.add(new Source(member.getApplication(), HostPort.parse(member.getClientAddress()),
              ServerIdentity.of(member.getApplication())));
        }
      }
    }
    return sources;
  }
}
