package io.tandem.common.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LifecycleTest {
  private final List<String> journal = new ArrayList<>();

  private ManagedService part(String name, boolean failsToStart) {
    return new ManagedService() {
      @Override
      public void start() {
        if (failsToStart) {
          throw new IllegalStateException(name + " cannot start");
        }
        journal.add("start " + name);
      }

      @Override
      public void stop() {
        journal.add("stop " + name);
      }

      @Override
      public String name() {
        return name;
      }
    };
  }

  @Test
  void startsInOrderAndStopsInReverse() throws Exception {
    Lifecycle lifecycle = new Lifecycle("svc", List.of(part("store", false), part("sync", false), part("grpc", false)));
    lifecycle.start();
    lifecycle.stop();
    assertThat(journal).containsExactly("start store", "start sync", "start grpc", "stop grpc", "stop sync", "stop store");
  }

  @Test
  void aFailedStartStopsWhatAlreadyStartedAndNothingElse() {
    Lifecycle lifecycle = new Lifecycle("svc", List.of(part("store", false), part("sync", true), part("grpc", false)));
    assertThatThrownBy(lifecycle::start).hasMessageContaining("sync cannot start");
    assertThat(journal).containsExactly("start store", "stop store");
  }

  @Test
  void stopIsIdempotent() throws Exception {
    Lifecycle lifecycle = new Lifecycle("svc", List.of(part("store", false)));
    lifecycle.start();
    lifecycle.stop();
    lifecycle.stop();
    assertThat(journal).containsExactly("start store", "stop store");
  }

  @Test
  void aStoppedLifecycleCannotBeRestarted() throws Exception {
    Lifecycle lifecycle = new Lifecycle("svc", List.of(part("store", false)));
    lifecycle.start();
    lifecycle.stop();
    assertThatThrownBy(lifecycle::start).isInstanceOf(IllegalStateException.class);
  }
}
