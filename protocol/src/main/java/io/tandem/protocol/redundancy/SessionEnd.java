package io.tandem.protocol.redundancy;

/**
 * Why the Management Layer ends an application's supervision stream. The service answers with the
 * status code each one names ({@code management_service.proto}), and the refusal's log line
 * names the same code.
 */
public enum SessionEnd {
  /** The hello names no Application in the configuration. */
  NOT_CONFIGURED("FAILED_PRECONDITION"),
  /** Another instance of the application is alive, or waits to take its place. */
  DUPLICATE("ALREADY_EXISTS"),
  /** A newer stream takes this one's place. */
  REPLACED("ABORTED"),
  /** The hello claims an epoch no Management Layer issued. */
  IMPLAUSIBLE_EPOCH("INVALID_ARGUMENT");

  private final String code;

  SessionEnd(String code) {
    this.code = code;
  }

  /** The status code the application is answered with. */
  public String code() {
    return code;
  }
}
