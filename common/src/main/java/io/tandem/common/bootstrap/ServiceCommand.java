package io.tandem.common.bootstrap;

import com.google.inject.Module;
import io.tandem.common.metrics.MetricsFlags;
import io.tandem.common.security.ConnectionLimits;
import io.tandem.common.security.TlsFlags;
import io.tandem.common.security.TransportSecurity;
import java.util.List;
import java.util.function.Supplier;
import picocli.CommandLine;

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

  /** Its {@code --tls-*} / {@code --insecure} flags (a {@code @Mixin}). */
  TlsFlags tls();

  /** Its {@code --max-*-per-connection} flags (a {@code @Mixin}). */
  ConnectionLimits limits();

  /** Its {@code --metrics-port} flag (a {@code @Mixin}). */
  MetricsFlags metrics();

  /** Its {@code --status-file} flag (a {@code @Mixin}). */
  StatusFileFlags statusFile();

  /**
   * Its metrics port and status file, checked.
   *
   * @throws CommandLine.ParameterException naming the flag when the port is not a port
   */
  default Observability observability() {
    try {
      return new Observability(metrics().validated(), statusFile().file());
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage(), e);
    }
  }

  /**
   * The service's wiring, from its flags.
   *
   * @throws picocli.CommandLine.ParameterException when flags contradict each other
   */
  Module module();

  /**
   * The port's guard, from the flags.
   *
   * @throws CommandLine.ParameterException when the TLS files are missing or unusable, or a limit is below 1
   */
  default ServerSecurity security() {
    ConnectionLimits limits;
    try {
      limits = limits().validated();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage(), e);
    }
    return new ServerSecurity(tls().forService(), limits);
  }

  /** For {@code main} (picocli calls it): runs until SIGTERM; the process exit code. */
  @Override
  default Integer call() {
    Module module = module();
    return ServiceRunner.runUntilStopped(service(), port(), observability(), security(), module);
  }

  /** The {@link ServiceLauncher} of a {@link ServiceCommand}: parse its flags, start it here. */
  abstract class Launcher implements ServiceLauncher {
    private final Supplier<ServiceCommand> newCommand;

    protected Launcher(Supplier<ServiceCommand> newCommand) {
      this.newCommand = newCommand;
    }

    @Override
    public String service() {
      return newCommand.get().service();
    }

    @Override
    public RunningService start(List<String> args) throws Exception {
      ServiceCommand command = ServiceLauncher.parseFlags(newCommand.get(), args);
      Module module;
      ServerSecurity security;
      Observability observability;
      try {
        module = command.module();
        observability = command.observability();
        security = command.security();
      } catch (CommandLine.ParameterException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      return ServiceRunner.start(command.service(), command.port(), observability, security, module);
    }
  }
}
