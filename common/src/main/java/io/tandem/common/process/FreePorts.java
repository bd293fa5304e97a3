package io.tandem.common.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports nobody listens on right now, for services a test or a benchmark starts. A port is handed
 * out once per JVM, so scenarios running side by side never get the same one, and it lies below
 * the ranges systems take outgoing connections' ports from (Linux from 32768, the others from
 * 49152): between the moment it is handed out and the moment its service binds it, which can be
 * seconds on a busy machine, no connection of this or another process can take it.
 */
public final class FreePorts {
  static final int LOWEST = 10_000;
  static final int HIGHEST = 32_767;
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  private FreePorts() {}

  public static int next() {
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(LOWEST, HIGHEST + 1);
      if (!HANDED_OUT.contains(port) && free(port) && HANDED_OUT.add(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port between " + LOWEST + " and " + HIGHEST + " after 1000 tries");
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
