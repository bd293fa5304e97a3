package io.tandem.common.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.SocketAddress;

/** Makes the caller's address available to service code, for log lines and client lists. */
public final class PeerInterceptor implements ServerInterceptor {
  private static final Context.Key<String> PEER = Context.key("tandem-peer");

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    SocketAddress address = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    String peer = address == null ? "unknown" : address.toString().replaceFirst("^.*/", "");
    return Contexts.interceptCall(Context.current().withValue(PEER, peer), call, headers, next);
  }

  /** The current call's peer ("127.0.0.1:53122"), or "unknown". */
  public static String current() {
    String peer = PEER.get();
    return peer == null ? "unknown" : peer;
  }
}
