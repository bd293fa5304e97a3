package io.tandem.common.security;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.tandem.common.logging.LogEvent;
import io.tandem.common.logging.RateLimitedLog;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every call to a Tandem server passes here first: the caller's identity comes from its
 * certificate, the service's {@link AccessPolicy} decides whether it may make the call, and
 * the {@link ConnectionLimits} whether its connection may have one more in progress. Refused
 * calls end with {@code PERMISSION_DENIED} or {@code RESOURCE_EXHAUSTED} before any service code
 * runs; refusals are logged (00-05073, 00-05075), rate-limited.
 */
public final class AccessControl implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(AccessControl.class);
  private static final RateLimitedLog REFUSALS = new RateLimitedLog(LOG);
  /** Where an SSL session keeps its peer's identity once read: certificates are parsed once per connection. */
  private static final String IDENTITY_VALUE = "io.tandem.identity";

  private final TransportSecurity security;
  private final ConnectionLimits limits;
  private final Map<String, AccessPolicy.Entry> rules = new HashMap<>();
  private final ConcurrentHashMap<SocketAddress, Connection> connections = new ConcurrentHashMap<>();

  public AccessControl(TransportSecurity security, ConnectionLimits limits, Collection<AccessPolicy> policies) {
    this.security = security;
    this.limits = limits;
    for (AccessPolicy policy : policies) {
      rules.putAll(policy.entries());
    }
  }

  /**
   * Refuses a call that passed the rule table but not a check only the service can make (a
   * supervision hello naming someone else): logs 00-05073 and returns the status to end it with.
   */
  public static Status deny(Caller caller, String call, String reason) {
    REFUSALS.emit(LogEvent.ACCESS_DENIED, "identity", caller.identity(), "address", caller.address(), "call", call,
        "reason", reason);
    return Status.PERMISSION_DENIED.withDescription(reason);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    String address = remote == null ? "unknown" : remote.toString().replaceFirst("^.*/", "");
    Caller caller;
    if (security.isPlaintext()) {
      caller = new Caller(TransportSecurity.ANONYMOUS, address, false);
    } else {
      Optional<String> identity = identity(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
      if (identity.isEmpty()) {
        return refuse(call, Status.UNAUTHENTICATED.withDescription("no client certificate"));
      }
      caller = new Caller(identity.get(), address, true);
    }
    AccessPolicy.Entry entry = rules.get(method);
    if (entry == null) {
      return refuse(call, deny(caller, method, method + " has no access rule on this server"));
    }
    if (caller.authenticated() && !entry.rule().allows(caller.identity())) {
      return refuse(call, deny(caller, method, "'" + caller.identity() + "' may not call " + method
          + " (allowed: " + entry.rule().describe() + ")"));
    }
    Optional<String> exceeded = acquire(remote, entry.quota());
    if (exceeded.isPresent()) {
      REFUSALS.emit(LogEvent.CONNECTION_LIMIT, "identity", caller.identity(), "address", address, "call", method,
          "limit", exceeded.get());
      return refuse(call, Status.RESOURCE_EXHAUSTED.withDescription(exceeded.get()));
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable release = () -> {
      if (released.compareAndSet(false, true)) {
        release(remote, entry.quota());
      }
    };
    ServerCall<Q, R> counted = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        release.run();
        super.close(status, trailers);
      }
    };
    ServerCall.Listener<Q> listener;
    try {
      listener = Contexts.interceptCall(Context.current().withValue(Caller.KEY, caller), counted, headers, next);
    } catch (RuntimeException e) {
      release.run();
      throw e;
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onCancel() {
        release.run();
        super.onCancel();
      }

      @Override
      public void onComplete() {
        release.run();
        super.onComplete();
      }
    };
  }

  /** Calls in progress on one connection, by quota. */
  private static final class Connection {
    int calls;
    final int[] quotas = new int[ConnectionQuota.values().length];

    boolean idle() {
      return calls == 0;
    }
  }

  private Optional<String> acquire(SocketAddress remote, Optional<ConnectionQuota> quota) {
    String[] exceeded = new String[1];
    connections.compute(remote, (key, connection) -> {
      Connection counts = connection == null ? new Connection() : connection;
      if (counts.calls >= limits.calls()) {
        exceeded[0] = ConnectionLimits.callsFlag() + ": this connection already has " + counts.calls
            + " calls in progress, the most one connection may have";
      } else if (quota.isPresent() && counts.quotas[quota.get().ordinal()] >= limits.cap(quota.get())) {
        exceeded[0] = ConnectionLimits.flag(quota.get()) + ": this connection already has "
            + counts.quotas[quota.get().ordinal()] + " " + quota.get().name().toLowerCase() + " streams open, the most"
            + " one connection may have";
      } else {
        counts.calls++;
        quota.ifPresent(q -> counts.quotas[q.ordinal()]++);
      }
      return counts.idle() ? null : counts;
    });
    return Optional.ofNullable(exceeded[0]);
  }

  private void release(SocketAddress remote, Optional<ConnectionQuota> quota) {
    connections.computeIfPresent(remote, (key, counts) -> {
      counts.calls--;
      quota.ifPresent(q -> counts.quotas[q.ordinal()]--);
      return counts.idle() ? null : counts;
    });
  }

  private static Optional<String> identity(SSLSession session) {
    if (session == null) {
      return Optional.empty();
    }
    Object known = session.getValue(IDENTITY_VALUE);
    if (known instanceof String identity) {
      return Optional.of(identity);
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
        return Optional.empty();
      }
      Optional<String> identity = Identities.of(leaf);
      identity.ifPresent(name -> session.putValue(IDENTITY_VALUE, name));
      return identity;
    } catch (SSLPeerUnverifiedException e) {
      return Optional.empty();
    }
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() { };
  }
}
