package io.tandem.common.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Scanner;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports nobody listens on right now, for services a test or a benchmark starts. A port is handed
 * out once among the JVMs of one user on this machine that share a {@code java.io.tmpdir} (a lock
 * on its byte of one file there, held until the JVM exits), so scenarios and test JVMs running
 * side by side never get the same one, and it lies outside the range the system takes outgoing
 * connections' ports from (Linux's
 * {@code ip_local_port_range}, 32768-60999 by default): between the moment it is handed out and the
 * moment its service binds it, which can be seconds on a busy machine, no outgoing connection can
 * take it. Another process binding it on purpose still can; the service then fails to start, saying so.
 */
public final class FreePorts {
  private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
  /** Linux's default range for outgoing ports, taken where the system's cannot be read. */
  private static final PortRange DEFAULT_EPHEMERAL = new PortRange(32_768, 60_999);
  /** The fewest ports a range must hold to be used. */
  private static final int ENOUGH = 2_000;
  static final PortRange RANGE = range(ephemeralRange());
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
  private static final Path CLAIMS_FILE = Path.of(System.getProperty("java.io.tmpdir"),
      "tandem-free-ports-" + System.getProperty("user.name") + ".lock");
  private static FileChannel claims;

  /** The ports from {@code lowest} to {@code highest}, both included. */
  record PortRange(int lowest, int highest) {
    @Override
    public String toString() {
      return lowest + "-" + highest;
    }
  }

  private FreePorts() {}

  public static int next() {
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(RANGE.lowest(), RANGE.highest() + 1);
      if (!HANDED_OUT.contains(port) && free(port) && HANDED_OUT.add(port) && claim(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port in " + RANGE + " after 1000 tries");
  }

  /** The ports to hand out: from 10000 up to the outgoing range, or above it when that leaves too few. */
  static PortRange range(PortRange ephemeral) {
    int below = Math.min(ephemeral.lowest() - 1, 32_767);
    if (below - 10_000 >= ENOUGH) {
      return new PortRange(10_000, below);
    }
    if (65_535 - ephemeral.highest() >= ENOUGH) {
      return new PortRange(ephemeral.highest() + 1, 65_535);
    }
    throw new IllegalStateException("the system takes outgoing ports from " + ephemeral + " (" + EPHEMERAL_RANGE
        + "), which leaves fewer than " + ENOUGH + " ports for services on either side");
  }

  private static PortRange ephemeralRange() {
    if (!Files.isReadable(EPHEMERAL_RANGE)) {
      return DEFAULT_EPHEMERAL;
    }
    // A /proc file says it is empty: read it as a stream, to its end.
    try (Scanner bounds = new Scanner(Files.newInputStream(EPHEMERAL_RANGE), StandardCharsets.US_ASCII)) {
      return new PortRange(bounds.nextInt(), bounds.nextInt());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether this JVM now holds {@code port} against every other one (false: another handed it out). */
  private static boolean claim(int port) {
    try {
      return claims().tryLock(port, 1, false) != null;
    } catch (OverlappingFileLockException heldHere) {
      return false; // by another copy of this class in this JVM
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock port " + port + " in " + CLAIMS_FILE
          + " (a file system without locks?): give JVMs a java.io.tmpdir on a local disk", e);
    }
  }

  /**
   * Byte {@code port} of {@link #CLAIMS_FILE} is locked by the JVM that handed the port out. Opened
   * on first use and never closed: closing any channel to a file drops every lock the JVM holds on it.
   */
  private static synchronized FileChannel claims() {
    if (claims == null) {
      try {
        claims = FileChannel.open(CLAIMS_FILE, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open " + CLAIMS_FILE + ", where JVMs claim the ports they hand out:"
            + " give every JVM that hands out ports the same writable java.io.tmpdir", e);
      }
    }
    return claims;
  }

  private static boolean free(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(port));
      return true;
    } catch (BindException taken) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
