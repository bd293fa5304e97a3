package io.tandem.protocol.leadership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.protocol.leadership.Leadership.Change;
import io.tandem.protocol.leadership.Leadership.Role;
import io.tandem.protocol.leadership.Leadership.StepDown;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The leadership rules with a hand-moved clock; the lease is 6 s, so a leader commands for 4 s per renewal. */
class LeadershipTest {
  private static final Duration LEASE = Duration.ofSeconds(6);
  private final Leadership leadership = new Leadership(LEASE);
  private Instant now = Instant.parse("2026-12-05T03:12:00Z");

  private void advance(Duration by) {
    now = now.plus(by);
  }

  @Test
  void aStandbyNeverCommands() {
    assertThat(leadership.mayCommand(now)).isFalse();
    assertThat(leadership.tick(now)).isEmpty();
    assertThat(leadership.revision()).isZero();
  }

  @Test
  void anElectedLeaderCommandsForTwoThirdsOfTheLeaseFromWhenItsCampaignWasSent() {
    Instant sent = now;
    advance(Duration.ofMillis(1500)); // the answer took long to come
    assertThat(leadership.elected(42, sent)).contains(new Change(Role.LEADER, null, 42));
    assertThat(leadership.revision()).isEqualTo(42);
    advance(Duration.ofMillis(2499));
    assertThat(leadership.mayCommand(now)).isTrue();
    advance(Duration.ofMillis(1));
    assertThat(leadership.mayCommand(now)).as("4 s after the campaign was sent").isFalse();
  }

  @Test
  void anAcknowledgedRenewalExtendsTheWindowFromWhenItWasSentNotWhenItsAnswerCame() {
    leadership.elected(42, now);
    advance(Duration.ofSeconds(1));
    Instant sent = now;
    advance(Duration.ofSeconds(2));
    leadership.renewed(sent);
    advance(Duration.ofMillis(1999));
    assertThat(leadership.mayCommand(now)).isTrue();
    advance(Duration.ofMillis(1));
    assertThat(leadership.mayCommand(now)).isFalse();
  }

  @Test
  void theLeaseLastsALeaseFromTheSendOfTheLastAcknowledgedRenewal() {
    assertThat(leadership.leaseRemaining(now)).as("a standby holds none").isZero();
    leadership.elected(42, now);
    advance(Duration.ofSeconds(1));
    leadership.renewed(now);
    advance(Duration.ofSeconds(2));
    assertThat(leadership.leaseRemaining(now)).isEqualTo(Duration.ofSeconds(4));
    advance(Duration.ofSeconds(5));
    assertThat(leadership.leaseRemaining(now)).as("never negative").isZero();
  }

  @Test
  void anOlderRenewalAnsweredLateNeverShortensTheWindow() {
    leadership.elected(42, now);
    Instant older = now;
    advance(Duration.ofSeconds(1));
    leadership.renewed(now);
    leadership.renewed(older);
    advance(Duration.ofMillis(3999));
    assertThat(leadership.mayCommand(now)).as("4 s after the newer renewal was sent").isTrue();
  }

  @Test
  void aLeaderWhoseRenewalsGoUnansweredStepsDownAtItsDeadlineALeaseThirdBeforeTheLeaseCanExpire() {
    leadership.elected(42, now);
    advance(Duration.ofMillis(3999));
    assertThat(leadership.tick(now)).isEmpty();
    advance(Duration.ofMillis(1));
    assertThat(leadership.tick(now)).contains(new Change(Role.STANDBY, StepDown.DEADLINE_PASSED, 42));
    assertThat(leadership.role()).isEqualTo(Role.STANDBY);
    assertThat(leadership.revision()).isZero();
    assertThat(leadership.tick(now)).as("stepped down once").isEmpty();
  }

  @Test
  void aCommandDecidedUnderOneLeadershipDoesNotLeaveUnderTheNext() {
    leadership.elected(42, now);
    leadership.lost(StepDown.LEASE_LOST);
    leadership.elected(57, now);
    assertThat(leadership.mayCommand(57, now)).isTrue();
    assertThat(leadership.mayCommand(42, now)).as("decided before the step-down").isFalse();
  }

  @Test
  void aRenewalAnsweredAfterTheStepDownDoesNotReviveTheLeadership() {
    leadership.elected(42, now);
    Instant sent = now.plusSeconds(3);
    advance(Duration.ofSeconds(4));
    leadership.tick(now);
    leadership.renewed(sent);
    assertThat(leadership.mayCommand(now)).isFalse();
  }

  @Test
  void aLostLeaseOrAFencedWriteStepsDownAtOnce() {
    leadership.elected(42, now);
    assertThat(leadership.lost(StepDown.LEASE_LOST)).contains(new Change(Role.STANDBY, StepDown.LEASE_LOST, 42));
    assertThat(leadership.mayCommand(now)).isFalse();
    assertThat(leadership.lost(StepDown.FENCED)).as("a standby has nothing to lose").isEmpty();

    leadership.elected(43, now);
    assertThat(leadership.lost(StepDown.FENCED)).contains(new Change(Role.STANDBY, StepDown.FENCED, 43));
  }

  @Test
  void aThawedLeaderCommandsNoMoreThoughItsLastRenewalWasAcknowledged() {
    leadership.elected(42, now);
    leadership.renewed(now.plusSeconds(1));
    advance(Duration.ofSeconds(12)); // frozen for twice the lease
    assertThat(leadership.mayCommand(now)).isFalse();
    assertThat(leadership.tick(now)).contains(new Change(Role.STANDBY, StepDown.DEADLINE_PASSED, 42));
  }

  @Test
  void renewalsComeSixTimesALeaseSoOneLostAnswerCostsNothing() {
    assertThat(leadership.renewEvery()).isEqualTo(Duration.ofSeconds(1));
    assertThat(leadership.commandWindow()).isEqualTo(Duration.ofSeconds(4));
  }

  @Test
  void aLeaseShorterThanTwoSecondsIsRefusedNamingTheOption() {
    assertThatThrownBy(() -> new Leadership(Duration.ofMillis(1500))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("leader-lease");
  }

  @Test
  void beingElectedTwiceWithoutSteppingDownIsABug() {
    leadership.elected(42, now);
    assertThatThrownBy(() -> leadership.elected(43, now)).isInstanceOf(IllegalStateException.class);
  }
}
