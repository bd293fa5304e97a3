package io.tandem.common.config;

import io.grpc.Status;
import io.tandem.protocol.log.EventLog;
import java.util.Optional;

/**
 * What a name may be: of an object, an application, an option section or key, a producer, a
 * watch session. At most {@link #MAX_LENGTH} characters, not blank, and none of the characters
 * a log line or a terminal would interpret (control, line-separator or invisible formatting).
 */
public final class Names {
  public static final int MAX_LENGTH = 255;

  private Names() {}

  /** Why {@code name} cannot be a name ("is empty", "contains U+000A at 7"), or empty when it can. */
  public static Optional<String> problem(String name) {
    if (name.isBlank()) {
      return Optional.of("must not be empty");
    }
    if (name.length() > MAX_LENGTH) {
      return Optional.of("is " + name.length() + " characters long, more than the maximum of " + MAX_LENGTH);
    }
    for (int i = 0; i < name.length(); i++) {
      if (EventLog.isUnprintable(name.charAt(i))) {
        return Optional.of(String.format("contains the control character U+%04X at position %d", (int) name.charAt(i), i));
      }
    }
    return Optional.empty();
  }

  /**
   * Refuses a name that is not one.
   *
   * @throws io.grpc.StatusRuntimeException {@code INVALID_ARGUMENT} naming {@code field}, when {@code name} is no name
   */
  public static void check(String field, String name) {
    Optional<String> problem = problem(name);
    if (problem.isPresent()) {
      throw Status.INVALID_ARGUMENT.withDescription(field + ": " + problem.get()).asRuntimeException();
    }
  }
}
