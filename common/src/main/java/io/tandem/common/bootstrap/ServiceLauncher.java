package io.tandem.common.bootstrap;

import java.util.List;

/**
 * Starts a service inside the calling JVM with the same flags its {@code main} takes, so a test
 * fixture or a benchmark runs exactly what a process would. Each service module provides one
 * through {@link java.util.ServiceLoader} ({@code META-INF/services}).
 */
public interface ServiceLauncher {
  /** The service's name, as its runnable jar and its log lines call it ("stat-server"). */
  String service();

  /**
   * Builds and starts the service; the caller owns the handle and closes it.
   *
   * @throws IllegalArgumentException naming the flag when {@code args} are not valid flags
   */
  RunningService start(List<String> args) throws Exception;

  /**
   * Parses {@code args} into {@code command}'s picocli options, as its {@code main} would.
   *
   * @throws IllegalArgumentException with picocli's message (naming the flag) when they are not valid
   */
  static <T> T parseFlags(T command, List<String> args) {
    try {
      new picocli.CommandLine(command).parseArgs(args.toArray(String[]::new));
      return command;
    } catch (picocli.CommandLine.ParameterException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** The launcher of {@code service} on the class path. */
  static ServiceLauncher of(String service) {
    for (ServiceLauncher launcher : java.util.ServiceLoader.load(ServiceLauncher.class)) {
      if (launcher.service().equals(service)) {
        return launcher;
      }
    }
    throw new IllegalStateException("no ServiceLauncher for " + service + " on the class path");
  }
}
