package io.tandem.cli.console;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.util.Timestamps;
import io.grpc.StatusRuntimeException;
import io.tandem.cli.link.Endpoint;
import io.tandem.cli.pair.EventSources;
import io.tandem.cli.pair.EventSources.Source;
import io.tandem.cli.pair.ManagementOption;
import io.tandem.cli.pair.StoreStatus;
import io.tandem.cli.pair.StoreStatus.ConfigServerAnswer;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TlsFlags;
import io.tandem.etcd.EtcdMemberStatus;
import io.tandem.events.v1.ServiceEvent;
import io.tandem.management.v1.GetPairsRequest;
import io.tandem.management.v1.ManagementServiceGrpc;
import io.tandem.management.v1.MemberStatus;
import io.tandem.management.v1.PairStatus;
import io.tandem.management.v1.PairsStatus;
import io.tandem.management.v1.SwitchoverReply;
import io.tandem.management.v1.SwitchoverRecord;
import io.tandem.management.v1.SwitchoverRequest;
import io.tandem.protocol.link.HostPort;
import io.tandem.stat.v1.GetServerInfoRequest;
import io.tandem.stat.v1.ServerInfo;
import io.tandem.stat.v1.StatServiceGrpc;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the console shows, gathered as the operator: the pairs from the leading Management Layer,
 * each member's own view, the Config Servers and etcd members, and every service's events of the
 * last hour. {@link #refresh} asks again (one caller at a time); {@link #state} is the last answer
 * as the page's JSON.
 */
final class ConsoleFeed implements AutoCloseable {
  static final Duration WINDOW = Duration.ofHours(1);
  /** How many events the console keeps at most (the window may hold fewer). */
  private static final int MAX_EVENTS = 50_000;
  /** How many of the newest events the page lists (the timeline draws all of them). */
  private static final int EVENTS_LISTED = 40;
  private static final Duration DEADLINE = Duration.ofSeconds(2);

  private final ManagementOption management;
  private final TlsFlags tls;
  private final List<HostPort> configServers;
  private final String configServerIdentity;
  private final List<HostPort> etcd;
  private final long startedMs = System.currentTimeMillis();

  private Endpoint leader;
  private final Map<String, Endpoint> members = new HashMap<>();
  private final Map<String, EventWatch> watches = new LinkedHashMap<>();
  /** An event received: as the timeline reads it, and as the service wrote it (for the page's list). */
  private record Received(Timeline.Event moment, ServiceEvent event) {}

  /** The events received, in the order they came (sorted when the state is built). */
  private final Deque<Received> events = new ArrayDeque<>();
  private int refreshes;
  private List<ConfigServerAnswer> configAnswers = List.of();
  private List<EtcdMemberStatus> etcdAnswers = List.of();
  /** With several Management Layers: what each says of itself. */
  private Map<String, String> leadership = Map.of();
  private volatile String state = "{}";

  ConsoleFeed(ManagementOption management, TlsFlags tls, List<HostPort> configServers, String configServerIdentity,
      List<HostPort> etcd) {
    this.management = management;
    this.tls = tls;
    this.configServers = configServers;
    this.configServerIdentity = configServerIdentity;
    this.etcd = etcd;
    for (Source source : EventSources.services(configServers, configServerIdentity, management)) {
      watches.put(source.name(), new EventWatch(source, tls, startedMs - WINDOW.toMillis(), this::received));
    }
  }

  /** The last state gathered, as JSON. */
  String state() {
    return state;
  }

  /**
   * Asks every service again and publishes the new state; when that fails, the state published
   * before, saying why it is not newer.
   */
  synchronized void refresh() {
    try {
      state = gather();
    } catch (RuntimeException e) {
      JsonObject stale = JsonParser.parseString(state).getAsJsonObject();
      stale.addProperty("problem", "the console could not gather the state: " + e);
      state = stale.toString();
      throw e;
    }
  }

  private String gather() {
    long now = System.currentTimeMillis();
    JsonObject out = new JsonObject();
    Optional<PairsStatus> pairs = pairs(out);
    List<PairStatus> pairList = pairs.map(PairsStatus::getPairsList).orElse(List.of());
    for (Source source : EventSources.statServers(pairList)) {
      EventWatch watch = watches.get(source.name());
      if (watch == null || !watch.source().equals(source)) {
        if (watch != null) {
          watch.close(); // the member came back elsewhere: a new process, which shares no event with the old
        }
        watches.put(source.name(), new EventWatch(source, tls, now - WINDOW.toMillis(), this::received));
      }
    }
    watches.values().forEach(EventWatch::ensureRunning);
    if (refreshes++ % 2 == 0) {
      configAnswers = StoreStatus.askConfigServers(configServers, configServerIdentity, tls, DEADLINE);
    }
    if (!etcd.isEmpty() && refreshes % 5 == 1) {
      etcdAnswers = StoreStatus.askEtcd(etcd, tls, DEADLINE);
    }
    if (management.addresses().size() > 1 && refreshes % 5 == 1) {
      leadership = new LinkedHashMap<>();
      management.leadership(tls).forEach((address, role) -> leadership.put(address.toString(), role.describe()));
    }
    long head = configAnswers.stream().filter(ConfigServerAnswer::answered)
        .mapToLong(a -> a.info().getHeadEventId()).max().orElse(-1);
    Map<String, Boolean> servingNow = new HashMap<>();
    JsonArray pairsJson = new JsonArray();
    List<Timeline.PairMembers> pairMembers = new ArrayList<>();
    for (PairStatus pair : pairList) {
      pairsJson.add(pair(pair, head, servingNow));
      if (pair.getMembersCount() == 2) {
        pairMembers.add(new Timeline.PairMembers(pair.getMembers(0).getApplication(),
            pair.getMembers(1).getApplication()));
      }
    }
    out.add("pairs", pairsJson);
    out.add("configServers", configServers());
    out.add("etcd", etcdMembers());
    JsonArray layers = new JsonArray();
    leadership.forEach((address, role) -> {
      JsonObject layer = new JsonObject();
      layer.addProperty("address", address);
      layer.addProperty("role", role);
      layers.add(layer);
    });
    out.add("managementLayers", layers);
    synchronized (events) {
      long from = now - WINDOW.toMillis();
      while (!events.isEmpty() && events.peekFirst().moment().atMs() < from) {
        events.pollFirst();
      }
      out.add("timeline", timeline(Timeline.of(events.stream().map(Received::moment).toList(), pairMembers,
          servingNow, from, now)));
      List<Received> lastCome = new ArrayList<>();
      for (Iterator<Received> it = events.descendingIterator(); it.hasNext() && lastCome.size() < EVENTS_LISTED * 4; ) {
        lastCome.add(it.next());
      }
      JsonArray newest = new JsonArray();
      lastCome.stream().sorted(Comparator.comparingLong((Received r) -> r.moment().atMs()).reversed())
          .limit(EVENTS_LISTED).map(ConsoleFeed::listed).forEach(newest::add);
      out.add("events", newest);
    }
    JsonArray sources = new JsonArray();
    watches.values().forEach(w -> {
      JsonObject s = new JsonObject();
      s.addProperty("name", w.source().name());
      s.addProperty("problem", w.problem());
      sources.add(s);
    });
    out.add("eventSources", sources);
    out.addProperty("problem", "");
    out.addProperty("asOfMs", System.currentTimeMillis()); // when gathered: a slow answer must not look stale
    return out.toString();
  }

  /** Asks the leading Management Layer to switch the pair of {@code application} over. */
  SwitchoverReply switchover(String application) {
    try (Endpoint endpoint = management.open(tls)) {
      return ManagementOption.stub(endpoint).switchover(SwitchoverRequest.newBuilder().setApplication(application).build());
    }
  }

  private void received(Source source, ServiceEvent event) {
    Map<String, String> fields = new LinkedHashMap<>();
    event.getFieldsList().forEach(f -> fields.put(f.getKey(), f.getValue()));
    Timeline.Event moment = new Timeline.Event(event.getService(), source.name(), event.getAtMs(), event.getId(), fields);
    synchronized (events) {
      events.addLast(new Received(moment, event));
      while (events.size() > MAX_EVENTS) {
        events.pollFirst();
      }
    }
  }

  /** One event as the page lists it. */
  private static JsonObject listed(Received received) {
    JsonObject json = new JsonObject();
    json.addProperty("atMs", received.moment().atMs());
    json.addProperty("source", received.moment().source());
    json.addProperty("id", received.event().getId());
    json.addProperty("level", received.event().getLevel());
    json.addProperty("text", received.event().getText());
    JsonObject fields = new JsonObject();
    received.moment().fields().forEach(fields::addProperty);
    json.add("fields", fields);
    return json;
  }

  private Optional<PairsStatus> pairs(JsonObject out) {
    try {
      if (leader == null) {
        leader = management.open(tls);
      }
      PairsStatus status = ManagementServiceGrpc.newBlockingStub(leader.channel())
          .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS).getPairs(GetPairsRequest.getDefaultInstance());
      out.addProperty("management", leader.address().toString());
      out.addProperty("managementProblem", "");
      return Optional.of(status);
    } catch (StatusRuntimeException e) {
      out.addProperty("management", leader == null ? management.address().toString() : leader.address().toString());
      out.addProperty("managementProblem", e.getStatus().getCode() + (e.getStatus().getDescription() == null ? ""
          : ": " + e.getStatus().getDescription()));
      if (leader != null) {
        leader.close();
        leader = null;
      }
      return Optional.empty();
    }
  }

  private JsonObject pair(PairStatus pair, long head, Map<String, Boolean> servingNow) {
    JsonObject json = new JsonObject();
    json.addProperty("name", pair.getMembersList().stream().map(MemberStatus::getApplication)
        .reduce((a, b) -> a + "/" + b).orElse(""));
    json.addProperty("epoch", pair.getEpoch());
    if (pair.hasLastSwitchover()) {
      SwitchoverRecord last = pair.getLastSwitchover();
      json.addProperty("lastSwitchover", String.format("%s %s in %d ms (%s -> %s)%s", last.getCause(), last.getResult(),
          last.getDurationMs(), last.getFromPrimary(), last.getToPrimary(),
          last.getDetail().isEmpty() ? "" : ": " + last.getDetail()));
      json.addProperty("lastSwitchoverAtMs", Timestamps.toMillis(last.getTime()));
    }
    JsonArray membersJson = new JsonArray();
    for (MemberStatus m : pair.getMembersList()) {
      JsonObject member = new JsonObject();
      member.addProperty("application", m.getApplication());
      member.addProperty("mode", m.getMode().name().replace("MODE_UNSPECIFIED", "-"));
      member.addProperty("acknowledged", m.getModeAcknowledged());
      member.addProperty("epoch", m.getEpoch());
      member.addProperty("status", m.getStatus().name().replace("APP_STATUS_UNSPECIFIED", "-"));
      member.addProperty("connected", m.getHung() ? "HUNG" : m.getConnected() ? "yes" : "no");
      member.addProperty("clientAddress", m.getClientAddress());
      serverInfo(m).ifPresentOrElse(info -> {
        servingNow.put(m.getApplication(), info.getServing());
        member.addProperty("role", info.getRole().name().replace("ROLE_UNSPECIFIED", "-"));
        member.addProperty("serving", info.getServing());
        member.addProperty("notServingReason", info.getNotServingReason());
        member.addProperty("configState", info.getConfigState().name());
        member.addProperty("reloadMode", info.getReloadMode().name());
        member.addProperty("lastEventId", info.getLastEventId());
        member.addProperty("lag", head < 0 ? "-" : Long.toString(Math.max(0, head - info.getLastEventId())));
        member.addProperty("reloads", info.getReloadCount());
        member.addProperty("lastReloadMs", info.getLastReloadMs());
      }, () -> member.addProperty("unreachable", true));
      membersJson.add(member);
    }
    json.add("members", membersJson);
    return json;
  }

  /** The member's own view, or empty when it did not answer (its channel is then opened afresh next time). */
  private Optional<ServerInfo> serverInfo(MemberStatus member) {
    if (member.getClientAddress().isEmpty()) {
      return Optional.empty();
    }
    HostPort address = HostPort.parse(member.getClientAddress());
    Endpoint endpoint = members.get(member.getApplication());
    if (endpoint != null && !endpoint.address().equals(address)) {
      members.remove(member.getApplication()).close();
      endpoint = null;
    }
    if (endpoint == null) {
      endpoint = new Endpoint(address, ServerIdentity.of(member.getApplication()), tls);
      members.put(member.getApplication(), endpoint);
    }
    try {
      return Optional.of(StatServiceGrpc.newBlockingStub(endpoint.channel())
          .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
          .getServerInfo(GetServerInfoRequest.getDefaultInstance()));
    } catch (StatusRuntimeException e) {
      members.remove(member.getApplication()).close();
      return Optional.empty();
    }
  }

  private JsonArray configServers() {
    JsonArray out = new JsonArray();
    for (ConfigServerAnswer answer : configAnswers) {
      JsonObject json = new JsonObject();
      json.addProperty("address", answer.address().toString());
      json.addProperty("problem", answer.error());
      json.addProperty("head", answer.info().getHeadEventId());
      json.addProperty("oldest", answer.info().getOldestRetainedEventId());
      json.addProperty("records", answer.info().getRecords());
      json.addProperty("objects", answer.info().getObjects());
      json.addProperty("sessions", answer.info().getClientsCount());
      out.add(json);
    }
    return out;
  }

  private JsonArray etcdMembers() {
    JsonArray out = new JsonArray();
    for (EtcdMemberStatus member : etcdAnswers) {
      JsonObject json = new JsonObject();
      json.addProperty("member", member.member().toString());
      json.addProperty("problem", member.error());
      json.addProperty("leader", member.leader());
      json.addProperty("revision", member.revision());
      json.addProperty("term", member.raftTerm());
      json.addProperty("dbBytes", member.dbSizeBytes());
      json.addProperty("version", member.version());
      out.add(json);
    }
    return out;
  }

  private static JsonObject timeline(Timeline.Picture picture) {
    JsonObject json = new JsonObject();
    json.addProperty("fromMs", picture.fromMs());
    json.addProperty("toMs", picture.toMs());
    JsonArray spans = new JsonArray();
    for (Timeline.Span span : picture.spans()) {
      JsonObject s = new JsonObject();
      s.addProperty("lane", span.lane());
      s.addProperty("kind", span.kind().name());
      s.addProperty("startMs", span.startMs());
      span.endMs().ifPresent(end -> s.addProperty("endMs", end));
      s.addProperty("label", span.label());
      spans.add(s);
    }
    json.add("spans", spans);
    JsonArray marks = new JsonArray();
    for (Timeline.Mark mark : picture.marks()) {
      JsonObject m = new JsonObject();
      m.addProperty("lane", mark.lane());
      m.addProperty("kind", mark.kind().name());
      m.addProperty("atMs", mark.atMs());
      m.addProperty("label", mark.label());
      marks.add(m);
    }
    json.add("marks", marks);
    return json;
  }

  @Override
  public synchronized void close() {
    watches.values().forEach(EventWatch::close);
    members.values().forEach(Endpoint::close);
    if (leader != null) {
      leader.close();
    }
  }
}
