package io.tandem.protocol.reload;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.stat.v1.ConfigState;
import io.tandem.stat.v1.ServerInfo;
import org.junit.jupiter.api.Test;

/** What a probe of the backup makes of its answers. */
class PeerProbeTest {
  private final ServerInfo reloaded = ServerInfo.newBuilder().setServing(true).setConfigState(ConfigState.SYNCED)
      .setLastEventId(42).build();

  @Test
  void aBackupServingAndReloadedToTheEventIsReady() {
    assertThat(PeerProbe.serving("localhost:2041", reloaded).readyFor(42)).isTrue();
  }

  /**
   * Between its health turning SERVING and its info being published, a backup that was waiting
   * for a mode answers SERVING with info that says not serving: a primary told to stop on that
   * word could stop before the backup's own record says it started.
   */
  @Test
  void aBackupWhoseHealthTurnedBeforeItsInfoSaysSoIsNotReadyYet() {
    PeerProbe probe = PeerProbe.serving("localhost:2041", reloaded.toBuilder().setServing(false).build());
    assertThat(probe.readyFor(42)).isFalse();
    assertThat(probe.describe(42)).isEqualTo("localhost:2041 SERVING, but its server info says not serving yet");
  }
}
