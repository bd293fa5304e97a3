package io.tandem.common.security;

import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One gRPC service's rule table: for each of its methods, who may call it and which
 * per-connection quota its calls count against. Built from the service's descriptor and
 * refusing to build unless every method has a rule, so a new method cannot be left open.
 */
public final class AccessPolicy {
  /** One method's row. */
  public record Entry(AccessRule rule, Optional<ConnectionQuota> quota) {}

  private final String service;
  private final Map<String, Entry> byFullMethodName;

  private AccessPolicy(String service, Map<String, Entry> byFullMethodName) {
    this.service = service;
    this.byFullMethodName = Map.copyOf(byFullMethodName);
  }

  public static Builder forService(ServiceDescriptor descriptor) {
    return new Builder(descriptor);
  }

  public String service() {
    return service;
  }

  /** The rows by full method name ("tandem.stat.v1.StatService/OpenStatistic"). */
  public Map<String, Entry> entries() {
    return byFullMethodName;
  }

  /** Fills a rule table method by method. */
  public static final class Builder {
    private final ServiceDescriptor descriptor;
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    private Builder(ServiceDescriptor descriptor) {
      this.descriptor = descriptor;
    }

    /** {@code method} (its bare name, "OpenStatistic") may be called by whom {@code rule} allows. */
    public Builder allow(String method, AccessRule rule) {
      return put(method, new Entry(rule, Optional.empty()));
    }

    /** As {@link #allow(String, AccessRule)}, each call also counting against {@code quota}. */
    public Builder allow(String method, AccessRule rule, ConnectionQuota quota) {
      return put(method, new Entry(rule, Optional.of(quota)));
    }

    /** Every method of the service by the same rule. */
    public Builder allowAll(AccessRule rule) {
      for (MethodDescriptor<?, ?> method : descriptor.getMethods()) {
        entries.put(method.getFullMethodName(), new Entry(rule, Optional.empty()));
      }
      return this;
    }

    private Builder put(String method, Entry entry) {
      String fullName = MethodDescriptor.generateFullMethodName(descriptor.getName(), method);
      boolean known = descriptor.getMethods().stream().anyMatch(m -> m.getFullMethodName().equals(fullName));
      if (!known) {
        throw new IllegalArgumentException(descriptor.getName() + " has no method " + method);
      }
      entries.put(fullName, entry);
      return this;
    }

    /**
     * The policy, once every method has a rule.
     *
     * @throws IllegalStateException naming the methods that have no rule
     */
    public AccessPolicy build() {
      Set<String> missing = new TreeSet<>();
      for (MethodDescriptor<?, ?> method : descriptor.getMethods()) {
        if (!entries.containsKey(method.getFullMethodName())) {
          missing.add(method.getBareMethodName());
        }
      }
      if (!missing.isEmpty()) {
        throw new IllegalStateException("no access rule for " + descriptor.getName() + " methods " + missing);
      }
      return new AccessPolicy(descriptor.getName(), entries);
    }
  }
}
