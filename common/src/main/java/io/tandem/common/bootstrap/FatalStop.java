package io.tandem.common.bootstrap;

import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops a service for good when it must not run on (a Stat Server refused because another
 * instance of its application is alive): its parts stop in order, and a process started by
 * {@link ServiceRunner#runUntilStopped} exits with status 1 and the reason.
 */
public final class FatalStop {
  private static final Logger LOG = LoggerFactory.getLogger(FatalStop.class);

  private final String serviceName;
  private volatile String reason;
  private volatile Runnable stopper = () -> { };

  /** A service's; its runner says what stops it ({@link #onStop}), until then stopping only records the reason. */
  public FatalStop(String serviceName) {
    this.serviceName = serviceName;
  }

  /** What stops the service; set once it is built. */
  void onStop(Runnable stopper) {
    this.stopper = stopper;
  }

  /** Stops the service (on a thread of its own: the caller may be one of the parts being stopped). */
  public synchronized void stop(String why) {
    if (reason != null) {
      return;
    }
    reason = why;
    EventLog.emit(LOG, LogEvent.SERVICE_FATAL, "service", serviceName, "reason", why);
    Thread thread = new Thread(stopper, serviceName + "-fatal-stop");
    thread.setDaemon(false);
    thread.start();
  }

  /** Why the service was stopped this way, if it was. */
  public Optional<String> reason() {
    return Optional.ofNullable(reason);
  }
}
