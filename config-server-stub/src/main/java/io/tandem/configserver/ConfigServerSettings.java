package io.tandem.configserver;

import java.nio.file.Path;

/**
 * The Config Server's bootstrap flags; everything else comes from its own Application object.
 *
 * @param dataDir where the journal lives
 * @param bootstrap YAML loaded when the journal is empty, or null
 * @param emptyHistory start with the history log emptied
 * @param application name of this server's own Application object
 * @param fsync force every journal write to disk (off: written to the OS only, which still survives kill -9)
 */
public record ConfigServerSettings(Path dataDir, Path bootstrap, boolean emptyHistory, String application, boolean fsync) {}
