package io.tandem.common.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.protocol.log.LogCapture;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ScheduledTest {
  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("scheduled-test"));

  @AfterEach
  void stop() throws InterruptedException {
    ExecutorStop.stop(executor, "scheduled-test", Duration.ofSeconds(30));
  }

  @Test
  void aRepeatingTaskThatFailsOnceRunsAgainAndTheFailureIsLogged() {
    AtomicInteger runs = new AtomicInteger();
    try (LogCapture log = new LogCapture(Scheduled.class)) {
      Scheduled.repeat(executor, "tick", Duration.ZERO, Duration.ofMillis(1), () -> {
        if (runs.incrementAndGet() == 1) {
          throw new IllegalStateException("first tick fails");
        }
      });
      await("runs after the failure").atMost(Duration.ofSeconds(30)).until(() -> runs.get() >= 3);
      assertThat(log.withId("00-05082")).singleElement().asString()
          .contains("task=tick").contains("first tick fails");
    }
  }

  @Test
  void aOneShotTaskThatFailsIsLoggedNotLostInItsFuture() {
    try (LogCapture log = new LogCapture(Scheduled.class)) {
      Scheduled.after(executor, "connect", Duration.ofMillis(1), () -> {
        throw new IllegalArgumentException("no such host");
      });
      await("the failure logged").atMost(Duration.ofSeconds(30)).until(() -> !log.withId("00-05082").isEmpty());
      assertThat(log.withId("00-05082")).singleElement().asString().contains("task=connect").contains("no such host");
    }
  }
}
