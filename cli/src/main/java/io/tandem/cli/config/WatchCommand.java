package io.tandem.cli.config;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tandem.cli.link.Endpoint;
import io.tandem.common.config.ObjectTypes;
import io.tandem.common.security.TlsFlags;
import io.tandem.config.v1.ChangeBatch;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.WatchRequest;
import io.tandem.config.v1.WatchResponse;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tandem config watch}: a session with the Config Server, printed. */
@Command(name = "watch", mixinStandardHelpOptions = true,
    description = {"Restore a session from an event id and print what the Config Server sends: replayed and live changes,",
        "progress notifications, or HistoryLogExpired (exit code 3)."})
final class WatchCommand implements Callable<Integer> {
  static final int EXPIRED = 3;

  @Mixin
  ConfigServerOption server;

  @Mixin
  TlsFlags tls;

  @Option(names = "--after", defaultValue = "0", description = "Resume after this event id (default ${DEFAULT-VALUE}).")
  long after;

  @Option(names = "--seconds", defaultValue = "5", description = "How long to watch at most (default ${DEFAULT-VALUE}).")
  long seconds;

  @Option(names = "--until-progress", description = "Stop at the first progress notification: once the missed changes"
      + " have been replayed and the session is live.")
  boolean untilProgress;

  @Override
  public Integer call() {
    // The deadline ends the watch; a HistoryLogExpired ends it earlier (the server completes the stream).
    try (Endpoint endpoint = server.open(tls)) {
      Iterator<WatchResponse> stream = ConfigServiceGrpc.newBlockingStub(endpoint.channel())
          .withDeadlineAfter(seconds, TimeUnit.SECONDS)
          .watch(WatchRequest.newBuilder().setAfterEventId(after).setClientName("tandem-cli").build());
      while (stream.hasNext()) {
        WatchResponse response = stream.next();
        switch (response.getPayloadCase()) {
          case CHANGES -> print(response.getChanges());
          case PROGRESS -> {
            System.out.println("progress: head " + response.getProgress().getHeadEventId());
            if (untilProgress) {
              return 0;
            }
          }
          case HISTORY_LOG_EXPIRED -> {
            var expired = response.getHistoryLogExpired();
            System.out.printf("HistoryLogExpired: after %d cannot be restored (%s); oldest retained %d, head %d%n",
                expired.getRequestedAfterEventId(), expired.getReason(), expired.getOldestRetainedEventId(),
                expired.getHeadEventId());
            return EXPIRED;
          }
          default -> { }
        }
      }
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.DEADLINE_EXCEEDED) {
        throw e;
      }
    }
    return 0;
  }

  private static void print(ChangeBatch batch) {
    for (ChangeEvent e : batch.getEventsList()) {
      System.out.printf("event %d %s %s %s%s%n", e.getEventId(), e.getKind(),
          ObjectTypes.displayName(e.getObject().getType()), e.getObject().getName(), batch.getReplay() ? " (replayed)" : "");
    }
  }
}
