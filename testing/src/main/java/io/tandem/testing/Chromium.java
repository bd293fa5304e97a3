package io.tandem.testing;

import java.nio.file.Path;

/** Debian's {@code chromium} and its {@code chromedriver} (package {@code chromium-driver}), for browser tests. */
public final class Chromium {
  /** The browser and the driver that speaks WebDriver to it. */
  public record Installed(Path browser, Path driver) {}

  private Chromium() {}

  /** Both programs on the PATH; skips the test without them, or fails it with {@code CI} set. */
  public static Installed require() {
    return new Installed(MissingPart.onPath("chromium", "chromium"), MissingPart.onPath("chromedriver", "chromium-driver"));
  }
}
