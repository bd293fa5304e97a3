package io.tandem.common.security;

import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.tandem.protocol.log.LogEvent;
import io.tandem.common.logging.RateLimitedLog;
import java.net.SocketAddress;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
  /** A connection's caller and counters, in its transport's attributes. */
  private static final Attributes.Key<Connection> CONNECTION = Attributes.Key.create("tandem-connection");

  private final TransportSecurity security;
  private final ConnectionLimits limits;
  private final Map<String, AccessPolicy.Entry> rules = new HashMap<>();

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

  /**
   * Gives each connection its {@link Connection} when it is ready (after the TLS handshake):
   * calls then find their caller and counters in the transport's attributes, with no lookup
   * and no lock on the way of every call.
   */
  public ServerTransportFilter transportFilter() {
    return new ServerTransportFilter() {
      @Override
      public Attributes transportReady(Attributes attributes) {
        return attributes.toBuilder().set(CONNECTION, new Connection(caller(attributes))).build();
      }
    };
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    Connection connection = call.getAttributes().get(CONNECTION);
    if (connection == null) {
      // Only a transport this filter never saw (none in practice): counted on its own.
      connection = new Connection(caller(call.getAttributes()));
    }
    Caller caller = connection.caller;
    if (caller == null) {
      return refuse(call, Status.UNAUTHENTICATED.withDescription("no client certificate naming an identity"));
    }
    AccessPolicy.Entry entry = rules.get(method);
    if (entry == null) {
      return refuse(call, deny(caller, method, method + " has no access rule on this server"));
    }
    if (caller.authenticated() && !entry.rule().allows(caller.identity())) {
      return refuse(call, deny(caller, method, "'" + caller.identity() + "' may not call " + method
          + " (allowed: " + entry.rule().describe() + ")"));
    }
    ConnectionQuota quota = entry.quota().orElse(null);
    String exceeded = connection.acquire(quota, limits);
    if (exceeded != null) {
      REFUSALS.emit(LogEvent.CONNECTION_LIMIT, "identity", caller.identity(), "address", caller.address(), "call", method,
          "limit", exceeded);
      return refuse(call, Status.RESOURCE_EXHAUSTED.withDescription(exceeded));
    }
    Release release = new Release(connection, quota);
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

  /** Who is on the other end of a connection; null when TLS gave no identity. */
  private Caller caller(Attributes attributes) {
    SocketAddress remote = attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    String address = remote == null ? "unknown" : remote.toString().replaceFirst("^.*/", "");
    if (security.isPlaintext()) {
      return new Caller(TransportSecurity.ANONYMOUS, address, false);
    }
    return Identities.of(attributes.get(Grpc.TRANSPORT_ATTR_SSL_SESSION))
        .map(identity -> new Caller(identity, address, true)).orElse(null);
  }

  /** One connection: its caller, and its calls in progress in all and by quota. */
  private static final class Connection {
    final Caller caller;
    final AtomicInteger calls = new AtomicInteger();
    final Map<ConnectionQuota, AtomicInteger> quotas = new EnumMap<>(ConnectionQuota.class);

    Connection(Caller caller) {
      this.caller = caller;
      for (ConnectionQuota quota : ConnectionQuota.values()) {
        quotas.put(quota, new AtomicInteger());
      }
    }

    /** Counts one more call; the refusal naming the flag when a cap is reached, else null. */
    String acquire(ConnectionQuota quota, ConnectionLimits limits) {
      int now = calls.incrementAndGet();
      if (now > limits.calls()) {
        calls.decrementAndGet();
        return ConnectionLimits.callsFlag() + ": this connection already has " + (now - 1)
            + " calls in progress, the most one connection may have";
      }
      if (quota != null) {
        int open = quotas.get(quota).incrementAndGet();
        if (open > limits.cap(quota)) {
          quotas.get(quota).decrementAndGet();
          calls.decrementAndGet();
          return ConnectionLimits.flag(quota) + ": this connection already has " + (open - 1) + " "
              + quota.name().toLowerCase(java.util.Locale.ROOT) + " streams open, the most one connection may have";
        }
      }
      return null;
    }

    void release(ConnectionQuota quota) {
      calls.decrementAndGet();
      if (quota != null) {
        quotas.get(quota).decrementAndGet();
      }
    }
  }

  /** Gives a call's place back once, whichever end closes it first. */
  private static final class Release extends AtomicBoolean implements Runnable {
    private final Connection connection;
    private final ConnectionQuota quota;

    Release(Connection connection, ConnectionQuota quota) {
      this.connection = connection;
      this.quota = quota;
    }

    @Override
    public void run() {
      if (compareAndSet(false, true)) {
        connection.release(quota);
      }
    }
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() { };
  }
}
