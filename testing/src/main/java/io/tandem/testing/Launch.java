package io.tandem.testing;

import io.tandem.common.process.ServiceProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How to start one service of a {@link MiniStack}: which service, under what name (its log file
 * and how the test refers to it), on which port, with which flags (the same in-JVM and as a
 * process) and, as a process, which JVM flags (by default those {@code tandem up} gives its processes)
 * and environment variables besides those it inherits.
 */
public record Launch(Service service, String name, int port, List<String> args, List<String> jvmOptions,
    Map<String, String> environment) {
  public Launch {
    args = List.copyOf(args);
    jvmOptions = List.copyOf(jvmOptions);
    environment = Map.copyOf(environment);
  }

  public Launch(Service service, String name, int port, List<String> args, List<String> jvmOptions) {
    this(service, name, port, args, jvmOptions, Map.of());
  }

  public static Launch of(Service service, String name, int port, List<String> args) {
    return new Launch(service, name, port, args, ServiceProcess.DEFAULT_JVM_OPTIONS);
  }

  /** The application it runs as ({@code --app}, else the service's default): the name on its certificate. */
  public String application() {
    int flag = args.indexOf("--app");
    if (flag >= 0 && flag + 1 < args.size()) {
      return args.get(flag + 1);
    }
    return service.defaultApplication().orElseThrow(
        () -> new IllegalArgumentException(name + ": a " + service.launcherName() + " needs --app"));
  }

  /** The same launch with another maximum heap ("-Xmx768m"). */
  public Launch heap(String maxHeapFlag) {
    List<String> options = new ArrayList<>(jvmOptions);
    options.removeIf(o -> o.startsWith("-Xmx"));
    options.add(0, maxHeapFlag);
    return new Launch(service, name, port, args, options, environment);
  }

  /** The same launch with {@code more} flags appended. */
  public Launch withArgs(List<String> more) {
    List<String> all = new ArrayList<>(args);
    all.addAll(more);
    return new Launch(service, name, port, all, jvmOptions, environment);
  }

  /** The same launch with {@code more} environment variables (a process only). */
  public Launch withEnvironment(Map<String, String> more) {
    Map<String, String> all = new java.util.HashMap<>(environment);
    all.putAll(more);
    return new Launch(service, name, port, args, jvmOptions, all);
  }
}
