package io.tandem.common.grpc;

import static io.tandem.protocol.link.Keepalive.PERMIT;
import static io.tandem.protocol.link.Keepalive.TIME;
import static io.tandem.protocol.link.Keepalive.TIMEOUT;

import io.grpc.ManagedChannelBuilder;
import io.grpc.ServerBuilder;
import io.tandem.protocol.link.Keepalive;
import java.util.concurrent.TimeUnit;

/** Applies {@link Keepalive}'s times to gRPC channels and servers. */
public final class GrpcKeepalive {
  private GrpcKeepalive() {}

  /** Keepalive on a channel: a dead server is found within {@link Keepalive#TIME} + {@link Keepalive#TIMEOUT}. */
  public static ManagedChannelBuilder<?> onChannel(ManagedChannelBuilder<?> builder) {
    builder.keepAliveTime(TIME.toMillis(), TimeUnit.MILLISECONDS);
    builder.keepAliveTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    builder.keepAliveWithoutCalls(true);
    return builder;
  }

  /** Keepalive on a server: dead clients are found too, and clients may ping as {@link #onChannel} does. */
  public static ServerBuilder<?> onServer(ServerBuilder<?> builder) {
    builder.keepAliveTime(TIME.toMillis(), TimeUnit.MILLISECONDS);
    builder.keepAliveTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    builder.permitKeepAliveTime(PERMIT.toMillis(), TimeUnit.MILLISECONDS);
    builder.permitKeepAliveWithoutCalls(true);
    return builder;
  }
}
