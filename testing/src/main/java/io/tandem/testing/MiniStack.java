package io.tandem.testing;

import io.tandem.common.process.FreePorts;
import io.tandem.common.security.AccessRule;
import io.tandem.common.security.TransportSecurity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Any set of Tandem services on free ports, either all inside this JVM (fast, for tests of one
 * service's gRPC face and for benchmarks) or all as processes from their runnable jars (real
 * faults: SIGKILL, SIGSTOP, restarts). Members are started in the order given and stopped in
 * reverse by {@link #close}. Like a real installation it runs mutual TLS: each member gets the
 * certificate of its application ({@link Launch#application}) from certificates made in
 * {@code DIR/pki}, and {@link #security} gives the test any identity to call as (members'
 * {@link StackMember#channel} call as the operator).
 *
 * <pre>
 * try (MiniStack stack = new MiniStack(dir, MiniStack.Mode.IN_JVM)) {
 *   StackMember config = stack.start(Launch.of(Service.CONFIG_SERVER, "config-server", FreePorts.next(), flags));
 *   ...
 * }
 * </pre>
 */
public final class MiniStack implements AutoCloseable {
  /** How long a member may take to report SERVING (a 100,000-agent bootstrap takes a while on 2 cores). */
  public static final Duration SERVING_TIMEOUT = Duration.ofSeconds(90);

  /** Where the services run. */
  public enum Mode { IN_JVM, PROCESSES }

  /** How the members' links are secured. */
  public enum Transport { MUTUAL_TLS, PLAINTEXT }

  private final Path dir;
  private final Mode mode;
  private final StackSecurity security;
  private final Map<String, StackMember> members = new LinkedHashMap<>();

  /** @param dir where processes write their logs ({@code NAME.log}) and tests keep their data */
  public MiniStack(Path dir, Mode mode) {
    this(dir, mode, Transport.MUTUAL_TLS);
  }

  /** A stack whose members all run {@code transport} (plaintext: {@code --insecure}, for comparison benchmarks). */
  public MiniStack(Path dir, Mode mode, Transport transport) {
    this.dir = dir;
    this.mode = mode;
    this.security = new StackSecurity(transport == Transport.MUTUAL_TLS ? dir.resolve("pki") : null);
  }

  /** Calls as {@code identity} ("operator", "client", an application's name): its certificate is made if needed. */
  public TransportSecurity security(String identity) {
    return security.security(identity);
  }

  /** The {@code --tls-*} flags of {@code identity} (or {@code --insecure}), for a command line run by the test. */
  public List<String> tlsFlags(String identity) {
    return security.flags(identity);
  }

  /** Where the certificates are ({@code ca.crt}, {@code NAME.crt}, {@code NAME.key}). */
  public Path pkiDirectory() {
    return security.directory();
  }

  public Path dir() {
    return dir;
  }

  public Mode mode() {
    return mode;
  }

  /** Starts a member and waits until it is SERVING. A member of the same name is replaced (it must be stopped). */
  public StackMember start(Launch launch) throws Exception {
    StackMember member = startNoWait(launch);
    member.awaitServing(SERVING_TIMEOUT);
    return member;
  }

  /** Starts a member without waiting for it (it may never serve, or exit on purpose). */
  public StackMember startNoWait(Launch launch) throws Exception {
    StackMember previous = members.get(launch.name());
    if (previous != null && previous.alive()) {
      throw new IllegalStateException(launch.name() + " is already running; stop it first");
    }
    if (previous != null) {
      previous.close(); // its process is gone; its channel goes with it
    }
    if (mode == Mode.IN_JVM && !launch.environment().isEmpty()) {
      throw new IllegalArgumentException(launch.name() + ": environment variables need a process of its own (Mode.PROCESSES)");
    }
    List<String> tls = security.flags(launch.application());
    TransportSecurity operator = security.security(AccessRule.OPERATOR);
    StackMember member = mode == Mode.IN_JVM ? new InJvmMember(launch, tls, operator).start()
        : new ProcessMember(launch, tls, operator, dir).start();
    members.put(launch.name(), member);
    return member;
  }

  /** Stops {@code name} gracefully and starts it again with the same flags, waiting until it serves. */
  public StackMember restart(String name) throws Exception {
    StackMember member = member(name);
    member.close();
    return start(member.launch());
  }

  public StackMember member(String name) {
    StackMember member = members.get(name);
    if (member == null) {
      throw new IllegalArgumentException("no member " + name + " (members: " + members.keySet() + ")");
    }
    return member;
  }

  public List<StackMember> members() {
    return List.copyOf(members.values());
  }

  /** One of an in-JVM member's objects. */
  public <T> T get(String name, Class<T> type) {
    if (!(member(name) instanceof InJvmMember inJvm)) {
      throw new UnsupportedOperationException(name + " is a process: its objects are in another JVM");
    }
    return inJvm.get(type);
  }

  /** The pid of a process member. */
  public long pid(String name) {
    if (!(member(name) instanceof ProcessMember process)) {
      throw new UnsupportedOperationException(name + " runs in this JVM");
    }
    return process.process().pid();
  }

  /** The last {@code lines} lines of every process member's log, each under its name (for failure reports). */
  public String logTails(int lines) {
    StringBuilder text = new StringBuilder();
    for (StackMember member : members.values()) {
      if (member instanceof ProcessMember process) {
        List<String> tail = process.process().logTail(lines);
        text.append("---- ").append(member.name()).append(" (last ").append(tail.size()).append(" lines)\n");
        tail.forEach(line -> text.append(line).append('\n'));
      }
    }
    return text.toString();
  }

  /** Stops every member, the last started first. */
  @Override
  public void close() throws Exception {
    List<StackMember> reversed = new ArrayList<>(members.values());
    java.util.Collections.reverse(reversed);
    Exception first = null;
    for (StackMember member : reversed) {
      try {
        member.close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    security.close();
    if (first != null) {
      throw first;
    }
  }
}
