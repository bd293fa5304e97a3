package io.tandem.it;

import io.tandem.common.process.ServiceProcess;
import io.tandem.testing.Launch;
import io.tandem.testing.RunnableJars;
import io.tandem.testing.Service;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The JVM flags of the processes the scenarios start: a service gets those {@code tandem up} gives
 * its processes; every JVM gets the build's {@code -Dtandem.it.jvm-options} (flags that change how
 * fast a JVM gets going, never what the service does) and its jar's {@link ClassArchives class archive}.
 * A service's collections are logged in its log, with the time of day, so a scenario that fails
 * on a starved machine shows whether its members were paused then.
 */
final class ServiceJvm {
  private static final String OPTIONS_PROPERTY = "tandem.it.jvm-options";
  static final String GC_LOG = "-Xlog:gc:stdout:utctime";
  /** What a collection's line in a service's log contains ({@link #GC_LOG}). */
  static final String GC_PAUSE = " Pause ";

  private ServiceJvm() {}

  /** Starts {@code service} as {@link Launch#of} does, with the scenarios' JVM flags. */
  static Launch launch(Service service, String name, int port, List<String> args) {
    return new Launch(service, name, port, args, options(service));
  }

  /** The JVM flags of a process of {@code service}. */
  static List<String> options(Service service) {
    List<String> options = new ArrayList<>(serviceFlags());
    options.addAll(ClassArchives.flags(RunnableJars.of(service)));
    return List.copyOf(options);
  }

  /** The JVM flags of a command ({@code tandem ...}). */
  static List<String> commandOptions() {
    List<String> options = new ArrayList<>(buildFlags());
    options.addAll(ClassArchives.flags(Jars.cli()));
    return List.copyOf(options);
  }

  /** A service's flags without an archive: those {@code tandem up} gives, then the build's. */
  static List<String> serviceFlags() {
    List<String> options = new ArrayList<>(ServiceProcess.DEFAULT_JVM_OPTIONS);
    options.add(GC_LOG);
    options.addAll(buildFlags());
    return List.copyOf(options);
  }

  /** The build's flags for every JVM the scenarios start. */
  static List<String> buildFlags() {
    String configured = System.getProperty(OPTIONS_PROPERTY, "").strip();
    return configured.isEmpty() ? List.of() : Arrays.asList(configured.split("\\s+"));
  }
}
