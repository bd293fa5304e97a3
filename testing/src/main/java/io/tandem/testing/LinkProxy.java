package io.tandem.testing;

import io.tandem.common.process.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP link between two services that a test can cut and heal, as a network partition would:
 * a service is pointed at the proxy's port instead of its peer's, and {@link #cut} closes every
 * connection and refuses new ones until {@link #heal}. Bytes are copied as they come, so gRPC,
 * HTTP/2 and keepalive work across it untouched.
 */
public final class LinkProxy implements AutoCloseable {
  private final int port;
  private final int targetPort;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile ServerSocket listener;

  /** A proxy on a free port to {@code localhost:targetPort}, passing traffic. */
  public LinkProxy(int targetPort) throws IOException {
    this.port = FreePorts.next();
    this.targetPort = targetPort;
    heal();
  }

  /** Where services connect instead of the target. */
  public int port() {
    return port;
  }

  /** Passes traffic again: new connections are accepted. */
  public synchronized void heal() throws IOException {
    if (listener != null) {
      return;
    }
    ServerSocket server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    listener = server;
    Thread accepting = new Thread(() -> accept(server), "link-proxy-" + port);
    accepting.setDaemon(true);
    accepting.start();
  }

  /** Cuts the link: every connection across it is closed, new ones are refused. */
  public synchronized void cut() throws IOException {
    if (listener != null) {
      listener.close();
      listener = null;
    }
    for (Socket socket : sockets) {
      socket.close();
    }
    sockets.clear();
  }

  private void accept(ServerSocket server) {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        if (!register(server, client, target)) {
          closeQuietly(client);
          closeQuietly(target);
          continue;
        }
        pump(client, target);
        pump(target, client);
      } catch (IOException e) {
        // closed by cut(), or the target refused: the client sees its connection end
      }
    }
  }

  /**
   * Keeps a new connection for the next {@link #cut}, unless a cut came since {@code server}
   * accepted it: under the same lock as the cut, so none slips between its closing and clearing.
   */
  private synchronized boolean register(ServerSocket server, Socket client, Socket target) {
    if (listener != server) {
      return false;
    }
    sockets.add(client);
    sockets.add(target);
    return true;
  }

  private void pump(Socket from, Socket to) {
    Thread thread = new Thread(() -> {
      byte[] buffer = new byte[16 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // one side closed: close both below
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "link-proxy-pump-" + port);
    thread.setDaemon(true);
    thread.start();
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    cut();
  }
}
