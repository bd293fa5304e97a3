package io.tandem.configserver.settings;

import io.tandem.etcd.EtcdSettings;
import java.nio.file.Path;

/**
 * The Config Server's bootstrap flags; everything else comes from its own Application object.
 *
 * @param dataDir where the journal and its checkpoint live
 * @param bootstrap YAML loaded when the journal is empty, or null
 * @param emptyHistory start with the history log emptied
 * @param application name of this server's own Application object
 * @param fsync force every journal write to disk (off: written to the OS only, which still survives kill -9)
 * @param checkpointAfter journal records after which a checkpoint replaces them (never fewer than
 *     the objects and history records the checkpoint holds, so it always drops more than it writes)
 * @param etcd where the store lives in etcd ({@code --store etcd}), or null for the journal in {@code dataDir}
 */
public record ConfigServerSettings(Path dataDir, Path bootstrap, boolean emptyHistory, String application, boolean fsync,
    long checkpointAfter, EtcdSettings etcd) {
  public static final long DEFAULT_CHECKPOINT_AFTER = 100_000;

  public ConfigServerSettings {
    if (checkpointAfter < 1) {
      throw new IllegalArgumentException("checkpointAfter: must be at least 1, not " + checkpointAfter);
    }
  }

  public ConfigServerSettings(Path dataDir, Path bootstrap, boolean emptyHistory, String application, boolean fsync) {
    this(dataDir, bootstrap, emptyHistory, application, fsync, DEFAULT_CHECKPOINT_AFTER, null);
  }

  public ConfigServerSettings(Path dataDir, Path bootstrap, boolean emptyHistory, String application, boolean fsync,
      long checkpointAfter) {
    this(dataDir, bootstrap, emptyHistory, application, fsync, checkpointAfter, null);
  }
}
