package io.tandem.common.bootstrap;

import io.tandem.protocol.health.Availability;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.concurrent.ExecutorStop;
import io.tandem.common.concurrent.Scheduled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's state in a small file, rewritten every {@link #EVERY} ({@code --status-file}),
 * so a container's health check reads a file instead of starting a JVM to ask the gRPC port:
 *
 * <pre>
 * healthy=yes
 * serving=yes
 * reason=accepting clients as PRIMARY
 * link.config-server=up
 * link.management-layer=down 42 s
 * written=2026-12-02T08:00:00Z
 * </pre>
 *
 * <p>{@code healthy=yes} when the service has been in service since it started (served, or stood
 * by as configured: {@link Availability#inService}) and none of its {@link Link}s has been down
 * for {@link #LINK_GRACE} or more: a service cut off from what it needs says so, while a link
 * that breaks and comes back (a Config Server restarting) or a reload does not make it unhealthy. A file not rewritten for a few periods means the process is hung or gone.
 * The verdict is {@link #render} (pure); this class writes it atomically (beside, then renamed).
 */
public final class StatusFile implements ManagedService {
  private static final Logger LOG = LoggerFactory.getLogger(StatusFile.class);
  public static final Duration EVERY = Duration.ofSeconds(1);
  /** A link down this long makes the service unhealthy. */
  public static final Duration LINK_GRACE = Duration.ofSeconds(30);

  private final Path file;
  private final HealthState health;
  private final Set<Link> links;
  private final Clock clock;
  private final ScheduledExecutorService writer =
      Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("status-file"));
  private volatile boolean inServiceOnce;

  /** @param file where to write; null for no file */
  public StatusFile(Path file, HealthState health, Set<Link> links, Clock clock) {
    this.file = file;
    this.health = health;
    this.links = links;
    this.clock = clock;
  }

  @Override
  public void start() throws IOException {
    if (file == null) {
      return;
    }
    write();
    Scheduled.repeat(writer, "write status file", EVERY, EVERY, this::writeQuietly);
  }

  @Override
  public void stop() throws InterruptedException, IOException {
    if (file == null) {
      return;
    }
    ExecutorStop.stop(writer, "status-file", Duration.ofSeconds(1));
    Files.deleteIfExists(file);
  }

  @Override
  public String name() {
    return "status file";
  }

  /** What the file says, for {@code now}. */
  static String render(boolean inServiceOnce, boolean serving, String reason,
      SortedMap<String, Optional<Instant>> links, Instant now) {
    List<String> lines = new ArrayList<>();
    boolean healthy = inServiceOnce;
    List<String> linkLines = new ArrayList<>();
    for (Map.Entry<String, Optional<Instant>> link : links.entrySet()) {
      Optional<Instant> down = link.getValue();
      if (down.isEmpty()) {
        linkLines.add("link." + link.getKey() + "=up");
      } else {
        Duration downFor = Duration.between(down.get(), now);
        healthy &= downFor.compareTo(LINK_GRACE) < 0;
        linkLines.add("link." + link.getKey() + "=down " + Math.max(0, downFor.toSeconds()) + " s");
      }
    }
    lines.add("healthy=" + (healthy ? "yes" : "no"));
    lines.add("serving=" + (serving ? "yes" : "no"));
    lines.add("reason=" + reason.replace('\n', ' '));
    lines.addAll(linkLines);
    lines.add("written=" + now);
    return String.join("\n", lines) + "\n";
  }

  private void writeQuietly() {
    try {
      write();
    } catch (IOException | RuntimeException e) {
      LOG.warn("status file {} not written: {}", file, e.toString());
    }
  }

  private void write() throws IOException {
    Availability availability = health.availability();
    inServiceOnce |= availability.inService();
    TreeMap<String, Optional<Instant>> states = new TreeMap<>();
    links.forEach(link -> states.put(link.name(), link.downSince()));
    String text = render(inServiceOnce, availability.serving(), health.reason(), states, clock.instant());
    Path beside = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(beside, text);
    Files.move(beside, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
