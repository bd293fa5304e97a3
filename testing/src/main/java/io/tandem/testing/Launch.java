package io.tandem.testing;

import io.tandem.common.process.ServiceProcess;
import java.util.ArrayList;
import java.util.List;

/**
 * How to start one service of a {@link MiniStack}: which service, under what name (its log file
 * and how the test refers to it), on which port, with which flags (the same in-JVM and as a
 * process) and, as a process, which JVM flags (by default those {@code tandem up} gives its processes).
 */
public record Launch(Service service, String name, int port, List<String> args, List<String> jvmOptions) {
  public Launch {
    args = List.copyOf(args);
    jvmOptions = List.copyOf(jvmOptions);
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
    return new Launch(service, name, port, args, options);
  }

  /** The same launch with {@code more} flags appended. */
  public Launch withArgs(List<String> more) {
    List<String> all = new ArrayList<>(args);
    all.addAll(more);
    return new Launch(service, name, port, all, jvmOptions);
  }
}
