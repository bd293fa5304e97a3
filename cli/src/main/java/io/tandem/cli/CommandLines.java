package io.tandem.cli;

import ch.qos.logback.classic.Level;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** How Tandem's command lines ({@code tandem}, {@code tandem bench}) run: quiet logs, errors in one line. */
public final class CommandLines {
  private CommandLines() {}

  /** {@code -v}: the log of the services a benchmark runs in its own JVM; warnings only otherwise. */
  public static final class Verbose {
    @Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT,
        description = "Show the log of the services run in this JVM (default: warnings only).")
    void verbose(boolean on) {
      rootLogger().setLevel(on ? Level.INFO : Level.WARN);
    }
  }

  /**
   * Runs {@code root} with {@code args}; returns the exit code: 0 done, 1 failed (the error, on one
   * line prefixed with {@code program}), 2 bad usage.
   */
  public static int execute(Object root, String program, String... args) {
    rootLogger().setLevel(Level.WARN);
    return new CommandLine(root)
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          cmd.getErr().println(program + ": " + describe(e));
          return 1;
        })
        .execute(args);
  }

  private static String describe(Exception e) {
    if (e instanceof StatusRuntimeException sre) {
      Status status = sre.getStatus();
      String description = status.getDescription() == null ? "" : ": " + status.getDescription().lines().findFirst().orElse("");
      if (status.getCode() != Status.Code.UNAVAILABLE) {
        return status.getCode() + description;
      }
      // The transport's own words say why (refused, a certificate not trusted, a name not matching).
      Throwable cause = status.getCause();
      while (cause != null && cause.getCause() != null) {
        cause = cause.getCause();
      }
      return status.getCode() + description + (cause == null || cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")")
          + "; is the service running? A plaintext stack needs --insecure, another installation its certificates"
          + " (TANDEM_TLS_DIR or --tls-*)";
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  private static ch.qos.logback.classic.Logger rootLogger() {
    return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
  }
}
