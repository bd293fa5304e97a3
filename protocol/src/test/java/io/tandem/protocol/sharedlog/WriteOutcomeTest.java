package io.tandem.protocol.sharedlog;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WriteOutcomeTest {
  @Test
  void aCompareThatHeldIsACommitWithoutReadingTheLog() {
    assertThat(WriteOutcome.of(true, 0, 7, () -> {
      throw new AssertionError("no read needed");
    })).isEqualTo(WriteOutcome.COMMITTED);
  }

  @Test
  void aFailedCompareWhoseEntryIsThisRequestWasCommittedByAnEarlierAttempt() {
    assertThat(WriteOutcome.of(false, 9, 7, () -> true)).isEqualTo(WriteOutcome.COMMITTED_BY_AN_EARLIER_ATTEMPT);
  }

  @Test
  void aFailedCompareWithAnotherEntryLostTheRace() {
    assertThat(WriteOutcome.of(false, 9, 7, () -> false)).isEqualTo(WriteOutcome.LOST_THE_RACE);
  }

  @Test
  void aHeadBelowTheRequestsLastIdCannotHoldItSoTheLogIsNotRead() {
    assertThat(WriteOutcome.of(false, 6, 7, () -> {
      throw new AssertionError("no read needed");
    })).isEqualTo(WriteOutcome.LOST_THE_RACE);
  }
}
