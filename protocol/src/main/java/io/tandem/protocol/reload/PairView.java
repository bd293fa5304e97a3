package io.tandem.protocol.reload;

import io.tandem.protocol.pairs.RedundantPairs;
import io.tandem.protocol.link.HostPort;
import io.tandem.protocol.options.OptionCatalogue;
import io.tandem.protocol.options.OptionReader;
import io.tandem.config.v1.Application;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * This server's options and its peer, as read from the Applications in the configuration. The
 * peer comes from {@link RedundantPairs}, the rule the Management Layer pairs applications by.
 */
public final class PairView {
  private final String self;
  private final OptionReader ownOptions;
  private final Map<String, OptionReader> peerOptions = new HashMap<>();

  /**
   * What the reload decisions, the backup probe and the statistics engine need.
   *
   * @param reloadFeedBuffer statserver/reload-feed-buffer: what fed events not yet applied may take in memory, all streams together
   */
  public record Peer(ReloadOptions options, HostPort peerAddress, long reloadFeedBuffer) {}

  public PairView(String self) {
    this.self = self;
    this.ownOptions = new OptionReader(self);
  }

  /** Reads the options; bad values are logged once and replaced by defaults. */
  public synchronized Peer read(Map<String, Application> applications) {
    Application own = applications.getOrDefault(self, Application.getDefaultInstance());
    String peer = peerOf(applications);
    Map<String, Map<String, String>> mine = sections(own);
    ownOptions.reportUnknown(Set.of(OptionCatalogue.STATSERVER), mine);
    boolean peerAccepts = true;
    HostPort address = null;
    Application other = applications.get(peer);
    if (other != null) {
      OptionReader reader = peerOptions.computeIfAbsent(peer, OptionReader::new);
      peerAccepts = reader.read(OptionCatalogue.ACCEPT_CLIENTS_IN_BACKUP_MODE, sections(other));
      if (other.getClientPort() > 0) {
        // Blank as unset: an object stored before hosts were checked must not stop this read.
        address = new HostPort(other.getHost().isBlank() ? "localhost" : other.getHost(), other.getClientPort());
      }
    }
    ReloadOptions options = ReloadOptions.DEFAULTS
        .withDelayIfPrimary(ownOptions.read(OptionCatalogue.CONFIG_RELOAD_DELAY_IF_PRIMARY, mine))
        .withAcceptClientsInBackup(ownOptions.read(OptionCatalogue.ACCEPT_CLIENTS_IN_BACKUP_MODE, mine))
        .withServeDuringReload(ownOptions.read(OptionCatalogue.SERVE_DURING_RELOAD, mine))
        .withBackupCheckInterval(ownOptions.read(OptionCatalogue.BACKUP_CHECK_INTERVAL, mine))
        .withProtectedModeMaxDuration(ownOptions.read(OptionCatalogue.PROTECTED_MODE_MAX_DURATION, mine))
        .withPeer(peer)
        .withPeerAcceptsClients(peerAccepts);
    return new Peer(options, address, ownOptions.read(OptionCatalogue.RELOAD_FEED_BUFFER, mine));
  }

  /** The other member of the pair ("" when standalone); reads no options, logs nothing. */
  public String peerOf(Map<String, Application> applications) {
    Map<String, String> backupOf = new HashMap<>();
    applications.forEach((name, app) -> backupOf.put(name, app.getBackup()));
    return RedundantPairs.of(backupOf).peerOf(self);
  }

  private static Map<String, Map<String, String>> sections(Application app) {
    Map<String, Map<String, String>> sections = new HashMap<>();
    app.getOptionsMap().forEach((name, section) -> sections.put(name, section.getValuesMap()));
    return sections;
  }
}
