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
    assertThat(pause.steppedDown(StepDown.EPOCHS_UNREAD, LEASE, now)).isZero();
    assertThat(pause.mayCampaign(now)).isTrue();
  }

  @Test
  void eachFurtherHandBackInARowSitsOutOneLease() {
    pause.steppedDown(StepDown.EPOCHS_UNREAD, LEASE, now);
    for (int row = 2; row <= 5; row++) {
      assertThat(pause.steppedDown(StepDown.EPOCHS_UNREAD, LEASE, now)).isEqualTo(LEASE);
      now = now.plus(LEASE).minusMillis(1);
      assertThat(pause.mayCampaign(now)).as("1 ms before a lease has passed, hand-back %d in a row", row).isFalse();
      now = now.plusMillis(1);
      assertThat(pause.mayCampaign(now)).isTrue();
    }
    assertThat(pause.unreadInARow()).isEqualTo(5);
  }

  @Test
  void aLeadershipThatEndsForAnotherReasonReadItsEpochsAndStartsTheCountAnew() {
    pause.steppedDown(StepDown.EPOCHS_UNREAD, LEASE, now);
    pause.steppedDown(StepDown.EPOCHS_UNREAD, LEASE, now);
    assertThat(pause.mayCampaign(now)).isFalse();

    assertThat(pause.steppedDown(StepDown.DEADLINE_PASSED, LEASE, now)).isZero();
    assertThat(pause.mayCampaign(now)).as("a pause still running ends").isTrue();
    assertThat(pause.steppedDown(StepDown.EPOCHS_UNREAD, LEASE, now)).as("the first in a new row").isZero();
  }

  @Test
  void aHandBackMoreThanThreeLeasesAfterThePreviousStartsANewRow() {
    pause.steppedDown(StepDown.EPOCHS_UNREAD, LEASE, now);
    now = now.plus(LEASE.multipliedBy(3));
    assertThat(pause.steppedDown(StepDown.EPOCHS_UNREAD, LEASE, now)).as("three leases on: in the row").isEqualTo(LEASE);
    now = now.plus(LEASE.multipliedBy(3)).plusMillis(1);
    assertThat(pause.steppedDown(StepDown.EPOCHS_UNREAD, LEASE, now)).as("weeks later, say: a new row").isZero();
    assertThat(pause.unreadInARow()).isEqualTo(1);
  }

  @Test
  void thePauseFollowsTheLeaseOfTheLeadershipThatEnded() {
    pause.steppedDown(StepDown.EPOCHS_UNREAD, LEASE, now);
    assertThat(pause.steppedDown(StepDown.EPOCHS_UNREAD, Duration.ofSeconds(10), now)).isEqualTo(Duration.ofSeconds(10));
  }
}
