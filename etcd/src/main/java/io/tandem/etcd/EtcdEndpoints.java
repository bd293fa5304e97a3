package io.tandem.etcd;

import io.tandem.protocol.link.HostPort;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** The client addresses of an etcd cluster's members, as {@code --etcd-endpoints H:P,H:P,...} gives them. */
public record EtcdEndpoints(List<HostPort> members) {
  public EtcdEndpoints {
    members = List.copyOf(members);
    if (members.isEmpty()) {
      throw new IllegalArgumentException("an etcd cluster needs at least one endpoint");
    }
  }

  /**
   * Reads {@code text} given to {@code option}: members separated by commas, each {@code host:port};
   * refused naming the option and the entry when an entry is empty, malformed or repeated.
   */
  public static EtcdEndpoints parse(String option, String text) {
    List<HostPort> members = new ArrayList<>();
    Set<HostPort> seen = new HashSet<>();
    for (String entry : text.split(",", -1)) {
      String trimmed = entry.strip();
      if (trimmed.isEmpty()) {
        throw new IllegalArgumentException(option + ": an empty entry in '" + text + "' (expected host:port,host:port,...)");
      }
      HostPort member;
      try {
        member = HostPort.parse(trimmed);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
      }
      if (!seen.add(member)) {
        throw new IllegalArgumentException(option + ": " + member + " is given twice");
      }
      members.add(member);
    }
    return new EtcdEndpoints(members);
  }

  /**
   * The gRPC target that reaches every member ({@link EndpointsResolverProvider}'s scheme), as a
   * URI: an IPv6 member's brackets are escaped there and decoded again by the resolver.
   */
  public String target() {
    try {
      return new URI(EndpointsResolverProvider.SCHEME, "", "/" + this, null).toString();
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("etcd endpoints " + this + " make no URI: " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return members.stream().map(HostPort::toString).collect(Collectors.joining(","));
  }
}
