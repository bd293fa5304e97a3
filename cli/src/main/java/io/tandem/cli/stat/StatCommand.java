package io.tandem.cli.stat;

import io.tandem.common.security.AccessRule;
import io.tandem.common.security.TransportSecurity;
import io.tandem.common.security.TlsFlags;
import io.grpc.Status;
import io.tandem.client.StatisticSubscription;
import io.tandem.client.WarmStandbyClient;
import io.tandem.stat.v1.GetStatisticRequest;
import io.tandem.stat.v1.Notification;
import io.tandem.stat.v1.NotificationMode;
import io.tandem.stat.v1.OpenStatisticRequest;
import io.tandem.stat.v1.StatisticValue;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tandem stat get|watch}: statistics through the warm-standby client. */
@Command(name = "stat", mixinStandardHelpOptions = true,
    description = "Read statistics from a Stat Server pair, through the warm-standby client (the serving member answers).",
    subcommands = {StatCommand.GetCommand.class, StatCommand.WatchCommand.class})
public final class StatCommand {
  private StatCommand() {}

  @Command(name = "get", mixinStandardHelpOptions = true, description = "Print the current value of a statistic.")
  static final class GetCommand implements Callable<Integer> {
    @Mixin
    PairOption pair;

    @Mixin
    TlsFlags tls;

    @Mixin
    StatisticArguments statistic;

    @Option(names = "--deadline-ms", defaultValue = "3000", description = "Give up after (default ${DEFAULT-VALUE}).")
    long deadlineMs;

    @Override
    public Integer call() {
      try (TransportSecurity security = tls.forCommand(AccessRule.OPERATOR);
           WarmStandbyClient client = pair.connect(security)) {
        StatisticValue value = client.getStatistic(GetStatisticRequest.newBuilder().setSpec(statistic.spec()).build(),
            Duration.ofMillis(deadlineMs));
        System.out.println(StatisticArguments.render(value));
        return 0;
      }
    }
  }

  @Command(name = "watch", mixinStandardHelpOptions = true,
      description = "Open a statistic and print its values as they come (it follows the pair across reloads and switchovers).")
  static final class WatchCommand implements Callable<Integer> {
    @Mixin
    PairOption pair;

    @Mixin
    TlsFlags tls;

    @Mixin
    StatisticArguments statistic;

    @Option(names = "--mode", defaultValue = "IMMEDIATE", description = "IMMEDIATE, PERIODICAL, RESET or NONE (default ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--period-s", defaultValue = "5", description = "Seconds between values for PERIODICAL and RESET (default ${DEFAULT-VALUE}).")
    int periodSeconds;

    @Option(names = "--insensitivity", defaultValue = "0", description = "IMMEDIATE: smallest change worth a value (default ${DEFAULT-VALUE}).")
    double insensitivity;

    @Option(names = "--seconds", defaultValue = "0", description = "Stop after this long (default: until interrupted).")
    long seconds;

    @Override
    public Integer call() throws Exception {
      NotificationMode notificationMode;
      try {
        notificationMode = NotificationMode.valueOf(mode.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        System.err.println("tandem: --mode '" + mode + "' is not one of IMMEDIATE, PERIODICAL, RESET, NONE");
        return 2;
      }
      CompletableFuture<Integer> ended = new CompletableFuture<>();
      try (TransportSecurity security = tls.forCommand(AccessRule.OPERATOR);
           WarmStandbyClient client = pair.connect(security);
           StatisticSubscription subscription = client.openStatistic(OpenStatisticRequest.newBuilder()
               .setObject(statistic.object()).setStatistic(statistic.statisticType())
               .setNotification(Notification.newBuilder().setMode(notificationMode).setPeriodSeconds(periodSeconds)
                   .setInsensitivity(insensitivity))
               .build(), new StatisticSubscription.Listener() {
                 @Override
                 public void onValue(StatisticValue value) {
                   System.out.println(java.time.LocalTime.now(java.time.ZoneId.systemDefault()) + " " + StatisticArguments.render(value));
                 }

                 @Override
                 public void onClosed(String reason) {
                   ended.complete(0);
                 }

                 @Override
                 public void onFailed(Status status) {
                   System.err.println("tandem: " + status.getCode() + ": " + status.getDescription());
                   ended.complete(1);
                 }
               })) {
        try {
          return seconds > 0 ? ended.get(seconds, TimeUnit.SECONDS) : ended.get();
        } catch (TimeoutException e) {
          return 0;
        }
      }
    }
  }
}
