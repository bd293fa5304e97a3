package io.tandem.cli.pair;

import io.tandem.cli.home.StackAddresses;
import io.tandem.cli.link.Endpoint;
import io.tandem.cli.link.FirstToAnswer;
import io.tandem.common.grpc.HostPortConverter;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TlsFlags;
import io.grpc.Status;
import com.google.common.util.concurrent.ListenableFuture;
import io.tandem.management.v1.GetPairsRequest;
import io.tandem.management.v1.ManagementServiceGrpc;
import io.tandem.management.v1.PairsStatus;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.tandem.management.v1.LeaderInfo;
import java.time.Duration;
import java.util.Locale;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Option;

/** {@code --management HOST:PORT}, shared by the commands that talk to the Management Layer. */
public final class ManagementOption {
  private static final HostPort DEFAULT = HostPort.parse("localhost:2030");
  /** How long a command waits for each Management Layer to say whether it leads. */
  private static final Duration LEADER_PROBE = Duration.ofSeconds(3);
  /** The answers after which the leader may be the next address: a standby's, or none. */
  private static final Set<Status.Code> LEADER_ELSEWHERE = EnumSet.of(Status.Code.UNAVAILABLE,
      Status.Code.DEADLINE_EXCEEDED);

  @Option(names = "--management", converter = HostPortConverter.class, split = ",", paramLabel = "HOST:PORT[,...]",
      description = "Management Layer address, or the addresses of several of which one leads: the command talks to the"
          + " leader (default: those bin/tandem up started here, else localhost:2030).")
  List<HostPort> addresses;

  @Option(names = "--management-identity", paramLabel = "NAME", defaultValue = ServerIdentity.MANAGEMENT_LAYER,
      description = "The application whose certificate the Management Layer must present (default ${DEFAULT-VALUE}).")
  String identity;

  /** {@code --management}, or where {@code tandem up} started the Management Layers in this directory. */
  public List<HostPort> addresses() {
    if (addresses != null) {
      return addresses;
    }
    List<HostPort> started = StackAddresses.here().named("management-layer");
    return started.isEmpty() ? List.of(DEFAULT) : started;
  }

  /** The first address, for messages. */
  public HostPort address() {
    return addresses().get(0);
  }

  /**
   * The channel to the leader, secured by the command's {@code --tls-*} flags: with several
   * addresses, all asked {@code GetPairs} at once, the first that answers it (a standby answers
   * {@code UNAVAILABLE}, as does one not reachable, or whose TLS handshake fails) or refuses it
   * for another reason (the caller's identity not allowed, say: the others would refuse it too,
   * and the command fails with that reason rather than a standby's); when none does, the last.
   */
  public Endpoint open(TlsFlags tls) {
    ServerIdentity server = ServerIdentity.of(identity);
    List<Endpoint> candidates = addresses().stream().map(address -> new Endpoint(address, server, tls)).toList();
    return FirstToAnswer.<PairsStatus>among(candidates, candidates.get(candidates.size() - 1), (candidate, answer) ->
        ManagementServiceGrpc.newStub(candidate.channel())
            .withDeadlineAfter(Endpoint.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
            .getPairs(GetPairsRequest.getDefaultInstance(), answer),
        leads -> true, refused -> !LEADER_ELSEWHERE.contains(refused.getCode()));
  }

  /**
   * What one Management Layer says of itself: the leader's answer (since when it leads, its lease),
   * or, from a standby, that it stands by and where the leader is, or why it did not answer.
   */
  public record Role(Optional<PairsStatus> leads, String otherwise) {
    /** "leads since 10:00:00.000 (42 s), lease 2.1 s left", or why it does not lead. */
    public String describe() {
      return leads.map(answer -> {
        LeaderInfo leader = answer.getLeader();
        long sinceMs = Timestamps.toMillis(leader.getSince());
        return "leads since " + TimeOfDay.of(sinceMs) + " ("
            + Duration.ofMillis(Timestamps.toMillis(answer.getAsOf()) - sinceMs).toSeconds() + " s)"
            + (leader.hasLeaseRemaining() ? String.format(Locale.ROOT, ", lease %.1f s left",
                Durations.toMillis(leader.getLeaseRemaining()) / 1000.0) : "");
      }).orElse(otherwise);
    }
  }

  /**
   * What each Management Layer of {@code --management} says of itself, all asked at once: one that
   * does not answer costs the command {@link #LEADER_PROBE} once, not once for each.
   */
  public Map<HostPort, Role> leadership(TlsFlags tls) {
    ServerIdentity server = ServerIdentity.of(identity);
    List<Endpoint> endpoints = new ArrayList<>();
    Map<HostPort, ListenableFuture<PairsStatus>> asked = new LinkedHashMap<>();
    try {
      for (HostPort address : addresses()) {
        Endpoint endpoint = new Endpoint(address, server, tls);
        endpoints.add(endpoint);
        asked.put(address, askAsLeader(endpoint));
      }
      Map<HostPort, Role> roles = new LinkedHashMap<>();
      for (Map.Entry<HostPort, ListenableFuture<PairsStatus>> answer : asked.entrySet()) {
        roles.put(answer.getKey(), role(answer.getValue()));
      }
      return roles;
    } catch (InterruptedException e) {
      // The console stopping: the calls end with their channels, the caller learns it was interrupted.
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking the Management Layers whether they lead", e);
    } finally {
      asked.values().forEach(answer -> answer.cancel(true));
      endpoints.forEach(Endpoint::close);
    }
  }

  private static Role role(ListenableFuture<PairsStatus> answer) throws InterruptedException {
    try {
      return new Role(Optional.of(answer.get()), "");
    } catch (ExecutionException e) {
      Status status = Status.fromThrowable(e.getCause());
      String description = status.getDescription() == null ? "" : status.getDescription();
      boolean saidWhy = description.contains("stands by") || description.contains("taking over");
      return new Role(Optional.empty(), saidWhy ? description.replace("this Management Layer ", "")
          : "not answering (" + status.getCode() + ")");
    }
  }

  /** Asks for the pairs, which only the leader answers (a standby: {@code UNAVAILABLE} naming the leader). */
  private static ListenableFuture<PairsStatus> askAsLeader(Endpoint endpoint) {
    return ManagementServiceGrpc.newFutureStub(endpoint.channel()).withDeadlineAfter(LEADER_PROBE.toMillis(),
        TimeUnit.MILLISECONDS).getPairs(GetPairsRequest.getDefaultInstance());
  }

  public static ManagementServiceGrpc.ManagementServiceBlockingStub stub(Endpoint endpoint) {
    return ManagementServiceGrpc.newBlockingStub(endpoint.channel())
        .withDeadlineAfter(Endpoint.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }
}
