package io.tandem.protocol.leadership;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.protocol.leadership.Leadership.StepDown;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** When a Management Layer that could not read the epochs campaigns again; hand-moved clock, a 3 s lease. */
class CampaignPauseTest {
  private static final Duration LEASE = Duration.ofSeconds(3);
  private final CampaignPause pause = new CampaignPause();
  private Instant now = Instant.parse("2026-12-06T17:00:00Z");

  @Test
  void aStandbyThatNeverLedCampaignsAtOnce() {
    assertThat(pause.mayCampaign(now)).isTrue();
  }

  @Test
  void theFirstHandBackForUnreadEpochsCampaignsAgainAtOnce() {
    assertThat(pause.steppedDown(StepDown.EPOCHS_UNREAD, LEASE, now, now)).isZero();
    assertThat(pause.mayCampaign(now)).isTrue();
  }

  @Test
  void eachFurtherHandBackInARowSitsOutOneLease() {
    pause.steppedDown(StepDown.EPOCHS_UNREAD, LEASE, now, now);
    for (int row = 2; row <= 5; row++) {
      assertThat(pause.steppedDown(StepDown.EPOCHS_UNREAD, LEASE, now, now)).isEqualTo(LEASE);
      now = now.plus(LEASE).minusMillis(1);
      assertThat(pause.mayCampaign(now)).as("1 ms before a lease has passed, hand-back %d in a row", row).isFalse();
      now = now.plusMillis(1);
      assertThat(pause.mayCampaign(now)).isTrue();
    }
    assertThat(pause.unreadInARow()).isEqualTo(5);
  }

  @Test
  void aLeadershipThatEndsForAnotherReasonReadItsEpochsAndStartsTheCountAnew() {
    pause.steppedDown(StepDown.EPOCHS_UNREAD, LEASE, now, now);
    pause.steppedDown(StepDown.EPOCHS_UNREAD, LEASE, now, now);
    assertThat(pause.mayCampaign(now)).isFalse();

    assertThat(pause.steppedDown(StepDown.DEADLINE_PASSED, LEASE, now, now)).isZero();
    assertThat(pause.mayCampaign(now)).as("a pause still running ends").isTrue();
    assertThat(pause.steppedDown(StepDown.EPOCHS_UNREAD, LEASE, now, now)).as("the first in a new row").isZero();
  }

  @Test
  void aLeadershipWonMoreThanThreeLeasesAfterTheLastHandBackStartsANewRow() {
    pause.steppedDown(StepDown.EPOCHS_UNREAD, LEASE, now, now);
    Instant elected = now.plus(LEASE.multipliedBy(3));
    assertThat(pause.steppedDown(StepDown.EPOCHS_UNREAD, LEASE, elected, elected)).as("won three leases on: in the row")
        .isEqualTo(LEASE);
    elected = elected.plus(LEASE.multipliedBy(3)).plusMillis(1);
    assertThat(pause.steppedDown(StepDown.EPOCHS_UNREAD, LEASE, elected, elected)).as("weeks later, say: a new row")
        .isZero();
    assertThat(pause.unreadInARow()).isEqualTo(1);
  }

  @Test
  void anEpochReadThatTakesLongToFailStaysInTheRow() {
    pause.steppedDown(StepDown.EPOCHS_UNREAD, LEASE, now, now);
    Instant elected = now.plusMillis(333);
    // etcd-timeout-ms far above the lease: the read fails a minute after the election.
    assertThat(pause.steppedDown(StepDown.EPOCHS_UNREAD, LEASE, elected, elected.plus(Duration.ofMinutes(1))))
        .isEqualTo(LEASE);
  }

  @Test
  void thePauseFollowsTheLeaseOfTheLeadershipThatEnded() {
    pause.steppedDown(StepDown.EPOCHS_UNREAD, LEASE, now, now);
    assertThat(pause.steppedDown(StepDown.EPOCHS_UNREAD, Duration.ofSeconds(10), now, now)).isEqualTo(Duration.ofSeconds(10));
  }
}
