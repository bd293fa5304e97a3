package io.tandem.testing;

import java.util.function.Supplier;

/**
 * The ends of the service logs behind a failed test, carried by its failure as a suppressed
 * exception: the test report then files them under the test that failed. Printed instead, they
 * land under whichever test printed last when tests run side by side.
 */
public final class LogTails extends Exception {
  private static final long serialVersionUID = 1L;

  private LogTails(String tails) {
    super("the end of each service's log\n" + tails, null, false, false);
  }

  /**
   * Adds {@code tails} to {@code failure}, unless it carries them already; returns {@code failure},
   * for the caller to rethrow. Should reading them fail, that failure is added instead: it never
   * takes the place of the test's own.
   */
  public static <T extends Throwable> T attach(T failure, Supplier<String> tails) {
    for (Throwable carried : failure.getSuppressed()) {
      if (carried instanceof LogTails) {
        return failure;
      }
    }
    try {
      failure.addSuppressed(new LogTails(tails.get()));
    } catch (RuntimeException | Error unread) {
      failure.addSuppressed(unread);
    }
    return failure;
  }
}
