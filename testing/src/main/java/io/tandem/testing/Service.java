package io.tandem.testing;

/** The Tandem services a {@link MiniStack} can start: their launcher name and their module (whose jar runs them). */
public enum Service {
  CONFIG_SERVER("config-server", "config-server-stub", "confserv"),
  MANAGEMENT_LAYER("management-layer", "management-layer", "MgmtLayer"),
  STAT_SERVER("stat-server", "stat-server", null);

  private final String launcherName;
  private final String module;
  private final String defaultApplication;

  Service(String launcherName, String module, String defaultApplication) {
    this.launcherName = launcherName;
    this.module = module;
    this.defaultApplication = defaultApplication;
  }

  /** The application name it runs as without {@code --app} (none for a Stat Server: it must be told). */
  public java.util.Optional<String> defaultApplication() {
    return java.util.Optional.ofNullable(defaultApplication);
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
