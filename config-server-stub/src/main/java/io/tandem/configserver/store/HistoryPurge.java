package io.tandem.configserver.store;

import io.tandem.common.bootstrap.ManagedService;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.concurrent.Scheduled;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** Drops, every second, what the history log's {@code expiration} no longer keeps. */
public final class HistoryPurge implements ManagedService {
  private static final Duration EVERY = Duration.ofSeconds(1);

  private final ConfigStore store;
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("history-expiration"));

  @Inject
  public HistoryPurge(ConfigStore store) {
    this.store = store;
  }

  @Override
  public void start() {
    Scheduled.repeat(thread, "purge expired history", EVERY, EVERY, store::purgeExpired);
  }

  @Override
  public void stop() {
    thread.shutdownNow();
  }

  @Override
  public String name() {
    return "history expiration";
  }
}
