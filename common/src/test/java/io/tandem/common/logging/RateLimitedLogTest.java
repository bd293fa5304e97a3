package io.tandem.common.logging;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.protocol.log.LogCapture;
import io.tandem.protocol.log.LogEvent;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class RateLimitedLogTest {
  private final AtomicLong now = new AtomicLong();
  private final String logger = RateLimitedLogTest.class.getName() + ".flood";
  private final RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(logger), Duration.ofSeconds(10), 3, now::get);

  @Test
  void aFloodCostsItsBurstAndOneLineSayingHowMuchWasSuppressed() {
    try (LogCapture lines = new LogCapture(logger)) {
      for (int i = 0; i < 10; i++) {
        log.emit(LogEvent.STATISTIC_REFUSED, "n", i);
      }
      log.emit(LogEvent.ACCESS_DENIED, "n", "other");
      assertThat(lines.withId("02-10101")).hasSize(3);
      assertThat(lines.withId("00-05073")).as("each event id has its own budget").hasSize(1);
      assertThat(lines.withId("00-05076")).isEmpty();

      now.addAndGet(Duration.ofSeconds(10).toNanos());
      log.emit(LogEvent.STATISTIC_REFUSED, "n", 10);
      assertThat(lines.withId("00-05076")).singleElement().asString()
          .contains("event=02-10101", "suppressed=7", "seconds=10");
      assertThat(lines.withId("02-10101")).hasSize(4).last().asString().contains("n=10");
    }
  }

  @Test
  void aWindowThatEndsInSilenceStillReportsWhatItSuppressed() {
    try (LogCapture lines = new LogCapture(logger)) {
      for (int i = 0; i < 5; i++) {
        log.emit(LogEvent.STATISTIC_CLOSED, "n", i);
      }
      RateLimitedLog.Window window = windowOf(LogEvent.STATISTIC_CLOSED);
      log.flushIfEnded(LogEvent.STATISTIC_CLOSED, window);
      assertThat(lines.withId("00-05076")).as("not before the window ends").isEmpty();
      now.addAndGet(Duration.ofSeconds(11).toNanos());
      log.flushIfEnded(LogEvent.STATISTIC_CLOSED, window);
      assertThat(lines.withId("00-05076")).singleElement().asString().contains("event=02-10102", "suppressed=2");
    }
  }

  private RateLimitedLog.Window windowOf(LogEvent event) {
    return log.window(event);
  }
}
