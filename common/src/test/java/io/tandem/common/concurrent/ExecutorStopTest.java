package io.tandem.common.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ExecutorStopTest {
  @Test
  void anExecutorWhoseWorkEndsStopsCleanly() throws InterruptedException {
    ExecutorService executor = Executors.newSingleThreadExecutor(new DaemonThreadFactory("test"));
    AtomicBoolean ran = new AtomicBoolean();
    executor.execute(() -> ran.set(true));
    assertThat(ExecutorStop.stop(executor, "test", Duration.ofSeconds(30))).isTrue();
    assertThat(ran).isTrue();
    assertThat(executor.isTerminated()).isTrue();
  }

  @Test
  void workThatDoesNotEndIsInterruptedAfterTheGrace() throws InterruptedException {
    ExecutorService executor = Executors.newSingleThreadExecutor(new DaemonThreadFactory("stuck"));
    CountDownLatch never = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    AtomicBoolean interrupted = new AtomicBoolean();
    executor.execute(() -> {
      started.countDown();
      try {
        never.await();
      } catch (InterruptedException e) {
        interrupted.set(true);
      }
    });
    started.await();
    assertThat(ExecutorStop.stop(executor, "stuck", Duration.ofMillis(50))).isFalse();
    await("the stuck task interrupted").atMost(Duration.ofSeconds(30)).untilTrue(interrupted);
    await("the executor terminated").atMost(Duration.ofSeconds(30)).until(executor::isTerminated);
  }
}
