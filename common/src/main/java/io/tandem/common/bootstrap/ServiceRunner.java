package io.tandem.common.bootstrap;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.Stage;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Builds a service from Guice modules ({@link Stage#PRODUCTION}, explicit bindings only),
 * starts its lifecycle and, for a {@code main}, keeps it running until SIGTERM.
 */
public final class ServiceRunner {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceRunner.class);

  private ServiceRunner() {}

  /**
   * Builds and starts the service; the caller owns the returned handle and closes it. The
   * service owns {@code security} from here on: it closes it when it stops or fails to start.
   */
  public static RunningService start(String serviceName, int port, ServerSecurity security, Module... modules)
      throws Exception {
    return start(serviceName, port, Observability.NONE, security, modules);
  }

  /** As {@link #start(String, int, ServerSecurity, Module...)}, watchable as {@code observability} says. */
  public static RunningService start(String serviceName, int port, Observability observability,
      ServerSecurity security, Module... modules) throws Exception {
    List<Module> all = new ArrayList<>(List.of(modules));
    all.add(new ServiceModule(serviceName, port, observability, security, eventSources(modules)));
    try {
      Injector injector = Guice.createInjector(Stage.PRODUCTION, all);
      Lifecycle lifecycle = injector.getInstance(Lifecycle.class);
      injector.getInstance(FatalStop.class).onStop(lifecycle::stop);
      lifecycle.start();
      return new RunningService(injector, lifecycle, injector.getInstance(GrpcServer.class), security.transport());
    } catch (Exception | Error e) {
      security.transport().close();
      throw e;
    }
  }

  /**
   * Whose log events are the service's own: loggers under its modules' top packages
   * ({@code io.tandem.statserver}), and under the parts every service shares.
   */
  private static List<String> eventSources(Module... modules) {
    List<String> prefixes = new ArrayList<>(List.of("io.tandem.common.", "io.tandem.protocol."));
    for (Module module : modules) {
      String[] parts = module.getClass().getPackageName().split("\\.", -1);
      String top = String.join(".", List.of(parts).subList(0, Math.min(3, parts.length))) + ".";
      if (!prefixes.contains(top)) {
        prefixes.add(top);
      }
    }
    return prefixes;
  }

  /**
   * For a service's {@code main}: starts the service, stops it gracefully on SIGTERM or
   * Ctrl-C, and returns the process exit code once it has stopped (0), failed to start (1), or
   * was stopped by a {@link FatalStop} (1, the reason on stderr).
   */
  public static int runUntilStopped(String serviceName, int port, Observability observability,
      ServerSecurity security, Module... modules) {
    routeJavaUtilLogging();
    EventLog.emit(LOG, LogEvent.SERVICE_STARTING, "service", serviceName, "port", port,
        "pid", ProcessHandle.current().pid());
    RunningService service;
    try {
      service = start(serviceName, port, observability, security, modules);
    } catch (Exception e) {
      LOG.error("{} did not start", serviceName, e);
      return 1;
    }
    Thread hook = new Thread(service::close, serviceName + "-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      service.awaitTermination();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      service.close();
    }
    Optional<String> fatal = service.get(FatalStop.class).reason();
    if (fatal.isPresent()) {
      service.close(); // waits for the stop in progress to finish
      System.err.println(serviceName + ": " + fatal.get());
      return 1;
    }
    return 0;
  }

  /** gRPC and Netty log through java.util.logging; send it to the same place as ours. */
  public static void routeJavaUtilLogging() {
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
  }
}
