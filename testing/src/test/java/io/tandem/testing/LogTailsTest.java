package io.tandem.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class LogTailsTest {
  @Test
  void aFailureCarriesTheLogTailsIntoItsReportedTraceOnce() {
    AssertionError failure = new AssertionError("expected SERVING");
    String tails = "---- StatServer_A (last 2 lines)\nline one\nline two\n";

    assertThat(LogTails.attach(failure, () -> tails)).isSameAs(failure);
    LogTails.attach(failure, () -> tails);

    StringWriter trace = new StringWriter();
    failure.printStackTrace(new PrintWriter(trace));
    assertThat(trace.toString()).contains("expected SERVING").contains("Suppressed: io.tandem.testing.LogTails")
        .contains(tails);
    assertThat(failure.getSuppressed()).as("attached once").hasSize(1);
    assertThat(failure.getSuppressed()[0].getStackTrace()).as("a carrier, not a failure of its own").isEmpty();
  }

  @Test
  void tailsThatCannotBeReadNeverTakeTheTestsFailuresPlace() {
    AssertionError failure = new AssertionError("expected SERVING");
    IllegalStateException unreadable = new IllegalStateException("members changed while read");

    assertThat(LogTails.attach(failure, () -> {
      throw unreadable;
    })).isSameAs(failure);
    assertThat(failure.getSuppressed()).containsExactly(unreadable);
  }
}
