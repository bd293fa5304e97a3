package io.tandem.common.security;

/** TLS files that cannot be used; the message names the flag and the file. */
public final class InvalidCredentialsException extends IllegalArgumentException {
  public InvalidCredentialsException(String message) {
    super(message);
  }

  public InvalidCredentialsException(String message, Throwable cause) {
    super(message, cause);
  }
}
