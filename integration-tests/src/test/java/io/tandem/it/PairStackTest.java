package io.tandem.it;

import io.tandem.testing.LogTails;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * A test that runs a {@link PairStack} in its own directory and always stops it. When the test
 * fails, its failure carries the end of every service's log ({@link LogTails}), since the
 * directory goes with the test.
 * Each scenario has its own stack, so the scenarios of a class run side by side.
 */
@Execution(ExecutionMode.CONCURRENT)
abstract class PairStackTest {
  @TempDir
  Path dir;

  PairStack stack;

  @RegisterExtension
  final TestExecutionExceptionHandler logTailsOnFailure = (context, failure) -> {
    throw stack == null ? failure : LogTails.attach(failure, () -> stack.logTails(PairStack.LOG_LINES_ON_FAILURE));
  };

  @AfterEach
  void stopStack() throws Exception {
    if (stack != null) {
      stack.close();
    }
  }
}
