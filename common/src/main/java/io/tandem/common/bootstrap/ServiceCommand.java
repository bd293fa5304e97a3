package io.tandem.common.bootstrap;

import com.google.inject.Module;

/**
 * A service's {@code main}: its flags (picocli options on the implementing class) make a Guice
 * module. The same flags start it as a process ({@link #call}) or inside another JVM
 * ({@link Launcher}).
 */
public interface ServiceCommand extends java.util.concurrent.Callable<Integer> {
  /** The service's name, as its log lines and its {@link ServiceLauncher} call it ("stat-server"). */
  String service();

  /** The port its flags say it listens on. */
  int port();

  /**
   * The service's wiring, from its flags.
   *
   * @throws picocli.CommandLine.ParameterException when flags contradict each other
   */
  Module module();

  /** For {@code main} (picocli calls it): runs until SIGTERM; the process exit code. */
  @Override
  default Integer call() {
    return ServiceRunner.runUntilStopped(service(), port(), module());
  }

  /** The {@link ServiceLauncher} of a {@link ServiceCommand}: parse its flags, start it here. */
  abstract class Launcher implements ServiceLauncher {
    private final java.util.function.Supplier<ServiceCommand> newCommand;

    protected Launcher(java.util.function.Supplier<ServiceCommand> newCommand) {
      this.newCommand = newCommand;
    }

    @Override
    public String service() {
      return newCommand.get().service();
    }

    @Override
    public RunningService start(java.util.List<String> args) throws Exception {
      ServiceCommand command = ServiceLauncher.parseFlags(newCommand.get(), args);
      Module module;
      try {
        module = command.module();
      } catch (picocli.CommandLine.ParameterException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      return ServiceRunner.start(command.service(), command.port(), module);
    }
  }
}
