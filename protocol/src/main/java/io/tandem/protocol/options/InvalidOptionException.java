package io.tandem.protocol.options;

/** An option value that does not parse; the message names the option and the value. */
public final class InvalidOptionException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final transient Option<?> option;
  private final String rawValue;

  InvalidOptionException(Option<?> option, String rawValue, String reason) {
    super(option.qualifiedName() + " = '" + rawValue + "' is invalid: " + reason
        + " (accepted: " + option.accepted() + ")");
    this.option = option;
    this.rawValue = rawValue;
  }

  public Option<?> option() {
    return option;
  }

  public String rawValue() {
    return rawValue;
  }
}
