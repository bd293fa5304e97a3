package io.tandem.common.bootstrap;

import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.tandem.protocol.health.Availability;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's {@code grpc.health.v1} status: one switch for the whole server ({@code ""}) and
 * every service name registered on it. Starts {@code NOT_SERVING} — grpc-java's
 * {@link HealthStatusManager} would start the server entry at {@code SERVING}.
 *
 * <p>Writers are serialised; readers ({@link #serving}, {@link #reason}: a readiness check on
 * every client call, on the transport's event loop) read one published snapshot and never wait
 * for a writer, which may be busy telling every health watcher.
 */
public final class HealthState {
  private static final Logger LOG = LoggerFactory.getLogger(HealthState.class);

  private final HealthStatusManager manager = new HealthStatusManager();
  private final Set<String> serviceNames = new LinkedHashSet<>();
  /** Whether it serves and why, published whole so a reader never sees one without the other. */
  private record Readiness(Availability availability, String reason) {
    boolean serving() {
      return availability.serving();
    }
  }

  private volatile Readiness current = new Readiness(Availability.UNAVAILABLE, "starting");
  private boolean terminal;

  public HealthState() {
    manager.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.NOT_SERVING);
  }

  public BindableService service() {
    return manager.getHealthService();
  }

  /** Adds a service name whose status follows the server's. */
  public synchronized void register(String serviceName) {
    serviceNames.add(serviceName);
    manager.setStatus(serviceName, status());
  }

  /** Sets {@code SERVING} or {@code NOT_SERVING} (out of service); {@code reason} says why (logged on change). */
  public void set(boolean nowServing, String why) {
    set(nowServing ? Availability.SERVING : Availability.UNAVAILABLE, why);
  }

  /** Sets {@code SERVING} when {@code availability} serves, else {@code NOT_SERVING}; {@code reason} says why. */
  public synchronized void set(Availability availability, String why) {
    Readiness before = current;
    if (terminal || (availability == before.availability() && why.equals(before.reason()))) {
      return;
    }
    boolean changed = availability.serving() != before.serving();
    current = new Readiness(availability, why);
    if (changed) {
      EventLog.emit(LOG, LogEvent.HEALTH_CHANGED, "status", status(), "reason", why);
    }
    manager.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status());
    for (String name : serviceNames) {
      manager.setStatus(name, status());
    }
  }

  /** Whether the service accepts clients now. Lock-free. */
  public boolean serving() {
    return current.serving();
  }

  /** Whether it serves, and if not, whether it is in service all the same. Lock-free. */
  public Availability availability() {
    return current.availability();
  }

  /** Why the service is (not) serving. Lock-free. */
  public String reason() {
    return current.reason();
  }

  /** Shutting down: everything {@code NOT_SERVING} for good. */
  public synchronized void terminate() {
    if (!terminal) {
      terminal = true;
      current = new Readiness(Availability.UNAVAILABLE, "shutting down");
      manager.enterTerminalState();
    }
  }

  private ServingStatus status() {
    return current.serving() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  }
}
