package io.tandem.cli.stack;

import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem down}: stops what {@code tandem up} started. */
@Command(name = "down", mixinStandardHelpOptions = true,
    description = "Stop every process of the local stack (SIGTERM, then wait; killed if still running after the grace period).")
public final class DownCommand implements Callable<Integer> {
  @Option(names = "--grace-s", defaultValue = "10", description = "Seconds to wait for a graceful stop (default ${DEFAULT-VALUE}).")
  int graceSeconds;

  @Override
  public Integer call() {
    int stopped = new Stack(StackLayout.fromEnvironment()).stopAll(Duration.ofSeconds(graceSeconds), System.out::println);
    System.out.println(stopped == 0 ? "Nothing was running." : "Stack is down.");
    return 0;
  }
}
