package io.tandem.testing;

import io.grpc.ManagedChannel;
import io.tandem.common.grpc.HealthProbe;
import io.tandem.protocol.link.HostPort;
import java.time.Duration;
import java.util.List;

/** One running service of a {@link MiniStack}, in-JVM or a process. */
public interface StackMember extends AutoCloseable {
  Launch launch();

  default String name() {
    return launch().name();
  }

  default int port() {
    return launch().port();
  }

  default HostPort address() {
    return HostPort.local(port());
  }

  /** A channel to its port, closed with the member. */
  ManagedChannel channel();

  /** One health check with a short deadline. */
  HealthProbe.Result health();

  /** Waits until it is {@code SERVING}; fails naming why not (a process that exited, the last answer). */
  StackMember awaitServing(Duration timeout) throws InterruptedException;

  /** Whether it still runs. */
  boolean alive();

  /** Stops it gracefully. */
  @Override
  void close() throws Exception;

  /** The exit status once the process has ended by itself, empty while it runs (processes only). */
  java.util.OptionalInt exitCode();

  /** SIGKILL (processes only). */
  void kill() throws Exception;

  /** SIGSTOP (processes only). */
  void pause() throws Exception;

  /** SIGCONT (processes only). */
  void resume() throws Exception;

  /** Its log (processes only: in-JVM services log to the JVM's own log). */
  String logText();

  /** Log lines containing {@code text}. */
  default List<String> logLines(String text) {
    return logText().lines().filter(line -> line.contains(text)).toList();
  }
}
