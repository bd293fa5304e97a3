package io.tandem.configserver.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.common.config.Applications;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ConfigObject;
import io.tandem.configserver.settings.ConfigServerSettings;
import io.tandem.configserver.journal.Disk;
import java.time.Clock;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** What the tests of the store's writes share. */
final class StoreWrites {
  private StoreWrites() {}

  /** A store on {@code settings} and the local disk, not started yet. */
  static ConfigStore on(ConfigServerSettings settings) {
    return new ConfigStore(settings, Clock.systemUTC(), Disk.LOCAL);
  }

  /** A Stat Server naming {@code backup} (none when empty). */
  static ConfigObject paired(String name, String backup) {
    return Applications.of(name, ApplicationType.STAT_SERVER).port(2040).backup(backup).build();
  }

  /** {@code write} is refused as invalid with a message holding every one of {@code parts}, and writes nothing. */
  static void refused(ConfigStore store, ThrowingCallable write, String... parts) {
    long head = store.head();
    assertThatThrownBy(write).isInstanceOfSatisfying(WriteRefusedException.class, e -> {
      assertThat(e.reason()).isEqualTo(WriteRefusedException.Reason.INVALID);
      assertThat(e.getMessage()).contains(parts);
    });
    assertThat(store.head()).as("nothing written").isEqualTo(head);
  }
}
