package io.tandem.it;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * A test that runs a {@link PairStack} in its own directory and always stops it. When the test
 * fails, the end of every service's log is printed first, since the directory goes with the test.
 * Each scenario has its own stack, so the scenarios of a class run side by side.
 */
@Execution(ExecutionMode.CONCURRENT)
abstract class PairStackTest {
  @TempDir
  Path dir;

  PairStack stack;

  @RegisterExtension
  final AfterTestExecutionCallback printLogsOnFailure = this::printLogsOnFailure;

  private void printLogsOnFailure(ExtensionContext context) {
    if (context.getExecutionException().isPresent() && stack != null) {
      System.out.println(stack.logTails(PairStack.LOG_LINES_ON_FAILURE));
    }
  }

  @AfterEach
  void stopStack() throws Exception {
    if (stack != null) {
      stack.close();
    }
  }
}
