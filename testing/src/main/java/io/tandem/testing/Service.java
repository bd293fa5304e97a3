package io.tandem.testing;

/** The Tandem services a {@link MiniStack} can start: their launcher name and their module (whose jar runs them). */
public enum Service {
  CONFIG_SERVER("config-server", "config-server-stub"),
  MANAGEMENT_LAYER("management-layer", "management-layer"),
  STAT_SERVER("stat-server", "stat-server");

  private final String launcherName;
  private final String module;

  Service(String launcherName, String module) {
    this.launcherName = launcherName;
    this.module = module;
  }

  /** The name its {@link io.tandem.common.bootstrap.ServiceLauncher} answers to. */
  public String launcherName() {
    return launcherName;
  }

  /** The Maven module that builds its runnable jar. */
  public String module() {
    return module;
  }
}
