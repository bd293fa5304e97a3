package io.tandem.it;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** A test that runs a {@link PairStack} in its own directory and always stops it. */
abstract class PairStackTest {
  @TempDir
  Path dir;

  PairStack stack;

  @AfterEach
  void stopStack() throws Exception {
    if (stack != null) {
      stack.close();
    }
  }
}
