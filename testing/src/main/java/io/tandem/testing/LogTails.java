package io.tandem.testing;

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

  /** Adds {@code tails} to {@code failure}; returns {@code failure}, for the caller to rethrow. */
  public static <T extends Throwable> T attach(T failure, String tails) {
    failure.addSuppressed(new LogTails(tails));
    return failure;
  }
}
