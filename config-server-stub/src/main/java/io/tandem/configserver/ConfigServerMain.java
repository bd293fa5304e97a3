package io.tandem.configserver;

import io.tandem.common.bootstrap.ServiceCommand;
import io.tandem.common.bootstrap.ServiceMain;
import io.tandem.configserver.settings.ConfigServerSettings;
import io.tandem.etcd.EtcdSettings;
import io.tandem.etcd.EtcdOptions;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code java -jar tandem-config-server-stub-all.jar --port 2020 --data-dir DIR}, or with the store in
 * etcd: {@code --store etcd --etcd-endpoints H:P,H:P,H:P}.
 */
@Command(name = "config-server", mixinStandardHelpOptions = true,
    description = "Tandem Configuration Server stand-in: configuration objects, history log, session restore.")
public final class ConfigServerMain extends ServiceMain {
  static final String SERVICE = "config-server";

  @Option(names = "--port", defaultValue = "2020", description = "Port to listen on (default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--data-dir", defaultValue = "config-data",
      description = "Directory of the journal (default ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--bootstrap", description = "YAML configuration loaded when the journal is empty.")
  Path bootstrap;

  @Option(names = "--empty-history", description = "Start with the history log emptied: every resuming client gets HistoryLogExpired.")
  boolean emptyHistory;

  @Option(names = "--app", defaultValue = "confserv",
      description = "Name of this server's own Application object, whose history-log options apply (default ${DEFAULT-VALUE}).")
  String app;

  @Option(names = "--fsync", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Force every journal write to disk before acknowledging it (default ${DEFAULT-VALUE}). "
          + "Without it writes still survive kill -9, not a power cut.")
  boolean fsync;

  @Option(names = "--checkpoint-after", defaultValue = "" + ConfigServerSettings.DEFAULT_CHECKPOINT_AFTER,
      description = "Journal records after which a checkpoint of the whole store replaces them (default ${DEFAULT-VALUE}; "
          + "never fewer than the objects and history records a checkpoint holds).")
  long checkpointAfter;

  /** Where the store keeps its changes. */
  enum Store { journal, etcd }

  @Option(names = "--store", defaultValue = "journal",
      description = "Where the configuration is kept: journal (in --data-dir, one Config Server) or etcd (shared by every"
          + " Config Server with the same --etcd-endpoints and --etcd-prefix). Default ${DEFAULT-VALUE}.")
  Store store;

  @Mixin
  EtcdOptions etcd;

  @Spec
  CommandSpec spec;

  @Override
  public ConfigServerModule module() {
    if (checkpointAfter < 1) {
      throw new ParameterException(spec.commandLine(), "--checkpoint-after: must be at least 1, not " + checkpointAfter);
    }
    return new ConfigServerModule(new ConfigServerSettings(dataDir, bootstrap, emptyHistory, app, fsync, checkpointAfter,
        etcdSettings()));
  }

  private EtcdSettings etcdSettings() {
    if (store == Store.journal) {
      if (etcd.given()) {
        throw new ParameterException(spec.commandLine(), "--etcd-endpoints: needs --store etcd (the store is the journal)");
      }
      return null;
    }
    if (!etcd.given()) {
      throw new ParameterException(spec.commandLine(), "--store etcd: give the etcd members with --etcd-endpoints HOST:PORT,...");
    }
    try {
      return etcd.settings().orElseThrow();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  @Override
  public String service() {
    return SERVICE;
  }

  @Override
  public int port() {
    return port;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new ConfigServerMain()).execute(args));
  }

  /** This service in the caller's JVM, with the same flags. */
  public static final class Launcher extends ServiceCommand.Launcher {
    public Launcher() {
      super(ConfigServerMain::new);
    }
  }
}
