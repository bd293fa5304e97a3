package io.tandem.common.bootstrap;

import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a service's parts in order and stops them in reverse. The gRPC server is the last part
 * started and the first stopped, so clients only reach a service whose parts all run, and stop
 * reaching it before any part goes away.
 */
public final class Lifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(Lifecycle.class);

  private final String serviceName;
  private final List<ManagedService> parts;
  private final List<ManagedService> started = new ArrayList<>();
  private State state = State.NEW;

  private enum State { NEW, RUNNING, STOPPED }

  public Lifecycle(String serviceName, List<ManagedService> parts) {
    this.serviceName = serviceName;
    this.parts = List.copyOf(parts);
  }

  /** The parts in start order. */
  public List<ManagedService> parts() {
    return parts;
  }

  /**
   * Starts every part in order. If one fails, those already started are stopped in reverse
   * and the failure is rethrown.
   */
  public synchronized void start() throws Exception {
    if (state != State.NEW) {
      throw new IllegalStateException(serviceName + " was already started");
    }
    state = State.RUNNING;
    for (ManagedService part : parts) {
      try {
        part.start();
        started.add(part);
      } catch (Exception e) {
        EventLog.emit(LOG, LogEvent.SERVICE_START_FAILED, "service", serviceName, "part", part.name(),
            "error", e.toString());
        stop();
        throw e;
      }
    }
  }

  /** Stops the started parts in reverse order. Idempotent; a part that fails to stop is logged. */
  public synchronized void stop() {
    if (state == State.STOPPED) {
      return;
    }
    state = State.STOPPED;
    long begin = System.nanoTime();
    EventLog.emit(LOG, LogEvent.SERVICE_STOPPING, "service", serviceName);
    for (int i = started.size() - 1; i >= 0; i--) {
      ManagedService part = started.get(i);
      try {
        part.stop();
      } catch (Exception e) {
        LOG.warn("{}: stopping {} failed", serviceName, part.name(), e);
      }
    }
    started.clear();
    EventLog.emit(LOG, LogEvent.SERVICE_STOPPED, "service", serviceName,
        "ms", (System.nanoTime() - begin) / 1_000_000);
  }
}
