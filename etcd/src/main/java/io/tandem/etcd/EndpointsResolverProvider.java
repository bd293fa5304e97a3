package io.tandem.etcd;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.StatusOr;
import io.tandem.protocol.link.HostPort;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Resolves {@code tandem-etcd:///h1:p1,h2:p2,...} to every member at once, each with its own
 * authority (the name its certificate carries), so one channel reaches the cluster (see
 * {@link EtcdChannels} for how calls are spread). Names are looked up once, when the channel is
 * built.
 */
final class EndpointsResolverProvider extends NameResolverProvider {
  static final String SCHEME = "tandem-etcd";

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 4; // below DNS (5): this provider never becomes the default scheme
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  @Override
  public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
    return List.of(InetSocketAddress.class);
  }

  @Override
  public NameResolver newNameResolver(URI target, NameResolver.Args args) {
    if (!SCHEME.equals(target.getScheme())) {
      return null;
    }
    String path = target.getPath();
    EtcdEndpoints endpoints = EtcdEndpoints.parse("etcd endpoints", path.startsWith("/") ? path.substring(1) : path);
    List<EquivalentAddressGroup> groups = new ArrayList<>();
    for (HostPort member : endpoints.members()) {
      groups.add(new EquivalentAddressGroup(new InetSocketAddress(member.host(), member.port()),
          Attributes.newBuilder().set(EquivalentAddressGroup.ATTR_AUTHORITY_OVERRIDE, member.toString()).build()));
    }
    return new NameResolver() {
      @Override
      public String getServiceAuthority() {
        return endpoints.members().get(0).toString();
      }

      @Override
      public void start(Listener2 listener) {
        listener.onResult(ResolutionResult.newBuilder().setAddressesOrError(StatusOr.fromValue(groups)).build());
      }

      @Override
      public void shutdown() {
        // nothing to release: the addresses are fixed
      }
    };
  }
}
