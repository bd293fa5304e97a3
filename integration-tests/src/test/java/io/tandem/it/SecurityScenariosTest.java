package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tandem.common.grpc.Channels;
import io.tandem.common.grpc.HealthProbe;
import io.tandem.protocol.link.HostPort;
import io.tandem.common.security.AccessRule;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TlsFiles;
import io.tandem.common.security.TransportSecurity;
import io.tandem.config.v1.ApplyObjectsRequest;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.DropSessionsRequest;
import io.tandem.config.v1.ExpireHistoryRequest;
import io.tandem.config.v1.GetHistoryInfoRequest;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.SetOptionRequest;
import io.tandem.management.v1.GetPairsRequest;
import io.tandem.management.v1.Hello;
import io.tandem.management.v1.ManagementServiceGrpc;
import io.tandem.management.v1.MemberStatus;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.PairStatus;
import io.tandem.management.v1.SupervisionCommand;
import io.tandem.management.v1.SupervisionMessage;
import io.tandem.management.v1.SwitchoverRequest;
import io.tandem.common.testing.ForeignCaller;
import io.tandem.pki.PkiDirectory;
import io.tandem.testing.Service;
import io.tandem.testing.StackMember;
import io.tandem.stat.v1.CloseStatisticRequest;
import io.tandem.stat.v1.GetStatisticRequest;
import io.tandem.stat.v1.OpenStatisticRequest;
import io.tandem.stat.v1.StatObject;
import io.tandem.stat.v1.StatServiceGrpc;
import io.tandem.stat.v1.StatisticSpec;
import io.tandem.stat.v1.StatisticType;
import io.tandem.stat.v1.StatisticValue;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * S17 — an outsider on the network, and insiders beyond their role, against a whole stack of
 * processes running mutual TLS (as every scenario does): each is refused by name and nothing
 * they tried changes the pair.
 */
class SecurityScenariosTest {
  private static final Duration WAIT = PairStack.WAIT;

  @TempDir
  static Path dir;
  private static PairStack stack;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<TransportSecurity> opened = new ArrayList<>();
  private final List<Impostor> impostors = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    stack = new PairStack(dir, PairStack.Setup.pair("false", "yes")).start();
  }

  @AfterAll
  static void stop() throws Exception {
    stack.close();
  }

  @AfterEach
  void closeChannels() {
    channels.forEach(channel -> Channels.close(channel, Duration.ofSeconds(1)));
    opened.forEach(TransportSecurity::close);
    impostors.forEach(Impostor::close);
  }

  /** A channel to {@code port} as {@code identity}, with the stack's certificates. */
  private ManagedChannel as(String identity, int port) {
    return open(port, stack.stack.security(identity));
  }

  private ManagedChannel open(int port, TransportSecurity security) {
    ManagedChannel channel = Channels.open(HostPort.local(port), ServerIdentity.of(applicationOn(port)), security);
    channels.add(channel);
    return channel;
  }

  /** The application whose certificate the stack's service on {@code port} presents. */
  private static String applicationOn(int port) {
    if (port == stack.configPort) {
      return ServerIdentity.CONFIG_SERVER;
    }
    if (port == stack.managementPort) {
      return ServerIdentity.MANAGEMENT_LAYER;
    }
    return stack.statPorts.entrySet().stream().filter(e -> e.getValue() == port).findFirst().orElseThrow().getKey();
  }

  /** A channel to {@code port} as an outsider that trusts the stack's authority. */
  private ManagedChannel open(int port, ForeignCaller caller) {
    ManagedChannel channel = io.grpc.Grpc.newChannelBuilderForAddress("localhost", port, caller.channelCredentials()).build();
    channels.add(channel);
    return channel;
  }

  private List<Integer> ports() {
    List<Integer> ports = new ArrayList<>(List.of(stack.configPort, stack.managementPort));
    ports.addAll(stack.statPorts.values());
    return ports;
  }

  private static void assertRefused(Status.Code code, String description, ThrowingCallable call) {
    assertThatThrownBy(call).satisfies(e -> {
      Status status = Status.fromThrowable(e);
      assertThat(status.getCode()).isEqualTo(code);
      assertThat(status.getDescription()).contains(description);
    });
  }

  @Test
  void plaintextAndCertificatesOfAnotherAuthorityAreNotAnsweredOnAnyPort() throws Exception {
    TransportSecurity plaintext = TransportSecurity.plaintext();
    new PkiDirectory(dir.resolve("another-ca"), Clock.systemUTC())
        .init(List.of(), List.of(AccessRule.OPERATOR), List.of(), false);
    // The outsider trusts the stack's authority, so only the service it calls can turn it away.
    Path stackAuthority = TlsFiles.inDirectory(stack.stack.pkiDirectory(), AccessRule.OPERATOR).authority();
    ForeignCaller stranger = ForeignCaller.trusting(stackAuthority,
        TlsFiles.inDirectory(dir.resolve("another-ca"), AccessRule.OPERATOR));
    ForeignCaller control = ForeignCaller.trusting(stackAuthority,
        TlsFiles.inDirectory(stack.stack.pkiDirectory(), AccessRule.OPERATOR));
    opened.add(plaintext);
    for (int port : ports()) {
      assertThat(HealthProbe.check(open(port, plaintext), "", Duration.ofSeconds(10)).serving())
          .as("plaintext on %d", port).isFalse();
      assertThat(HealthProbe.check(open(port, control), "", Duration.ofSeconds(10)).serving())
          .as("the outsider's way of calling, with the stack's own operator certificate, on %d", port).isTrue();
      assertThat(HealthProbe.check(open(port, stranger), "", Duration.ofSeconds(10)).serving())
          .as("another authority's operator on %d", port).isFalse();
      assertThat(HealthProbe.check(as(AccessRule.CLIENT, port), "", Duration.ofSeconds(10)).serving())
          .as("the stack's own client on %d", port).isTrue();
    }
  }

  /**
   * A server with {@code identity}'s certificate from the stack's own authority (so it names
   * localhost like every service certificate) that answers nothing and records every call it gets.
   */
  private Impostor impostor(String identity) throws Exception {
    Impostor impostor = new Impostor(stack.stack.security(identity));
    impostors.add(impostor);
    return impostor;
  }

  /** A gRPC server on a free port that takes any call, records its method and refuses it. */
  private static final class Impostor implements AutoCloseable {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final io.grpc.Server server;

    Impostor(TransportSecurity security) throws java.io.IOException {
      server = io.grpc.Grpc.newServerBuilderForPort(0, security.serverCredentials())
          .fallbackHandlerRegistry(new io.grpc.HandlerRegistry() {
            @Override
            public io.grpc.ServerMethodDefinition<?, ?> lookupMethod(String method, String authority) {
              calls.add(method);
              return null;
            }
          }).build().start();
    }

    int port() {
      return server.getPort();
    }

    @Override
    public void close() {
      server.shutdownNow();
    }
  }

  @Test
  void anotherApplicationsCertificateAtTheConfigServersOrManagementLayersAddressIsRefusedByTheServicesCallingIt()
      throws Exception {
    Impostor configServer = impostor(PairStack.B);
    Impostor management = impostor(PairStack.B);
    int statPort = io.tandem.common.process.FreePorts.next();
    StackMember stat = stack.stack.startNoWait(ServiceJvm.launch(Service.STAT_SERVER, "StatServer_C", statPort,
        List.of("--app", "StatServer_C", "--port", "" + statPort, "--config-server", "localhost:" + configServer.port(),
            "--management", "localhost:" + management.port())));
    int managementPort = io.tandem.common.process.FreePorts.next();
    StackMember managementLayer = stack.stack.startNoWait(ServiceJvm.launch(Service.MANAGEMENT_LAYER, "management-layer-2",
        managementPort, List.of("--port", "" + managementPort, "--config-server", "localhost:" + configServer.port(),
            "--data-dir", dir.resolve("management-2-data").toString())));

    try (stat; managementLayer) {
      await("each link refused (00-05081) or its call reached the impostor").atMost(WAIT).until(() ->
          !configServer.calls.isEmpty() || !management.calls.isEmpty()
              || (stat.logLines(" 00-05081 ").size() >= 2 && !managementLayer.logLines(" 00-05081 ").isEmpty()));
      assertThat(configServer.calls).as("calls that reached the impostor at the Config Server's address").isEmpty();
      assertThat(management.calls).as("calls that reached the impostor at the Management Layer's address").isEmpty();
      assertThat(stat.logLines(" 00-05081 ")).anySatisfy(line -> assertThat(line)
          .contains("address=localhost:" + configServer.port(), "expected=confserv", "presented=" + PairStack.B));
      assertThat(stat.logLines(" 00-05081 ")).anySatisfy(line -> assertThat(line)
          .contains("address=localhost:" + management.port(), "expected=MgmtLayer", "presented=" + PairStack.B));
      assertThat(managementLayer.logLines(" 00-05081 ")).anySatisfy(line -> assertThat(line)
          .contains("address=localhost:" + configServer.port(), "expected=confserv", "presented=" + PairStack.B));
    }

    stack.stack.security(AccessRule.OPERATOR);
    Cli.Result status = Cli.run(dir, java.util.Map.of("TANDEM_TLS_DIR", stack.stack.pkiDirectory().toString()),
        "status", "--management", "localhost:" + management.port());
    assertThat(status.exitCode()).as(status.output()).isEqualTo(1);
    assertThat(status.output()).contains("the server at localhost:" + management.port() + " presented the certificate of '"
        + PairStack.B + "', not of 'MgmtLayer' as expected");
    assertThat(management.calls).as("calls the command made to the impostor").isEmpty();
  }

  @Test
  void anotherMembersCertificateSayingHelloAsThePrimaryIsDeniedAndTheRealOneIsUntouched() {
    String primary = stack.primary();
    String backup = stack.other(primary);
    PairStatus before = stack.pair();
    List<Status> ended = new CopyOnWriteArrayList<>();
    StreamObserver<SupervisionMessage> impostor = ManagementServiceGrpc.newStub(as(backup, stack.managementPort))
        .supervise(new StreamObserver<>() {
          @Override
          public void onNext(SupervisionCommand command) {
          }

          @Override
          public void onError(Throwable t) {
            ended.add(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            ended.add(Status.OK);
          }
        });
    impostor.onNext(SupervisionMessage.newBuilder().setHello(Hello.newBuilder().setApplication(primary)
        .setInstanceId("impostor").setClientAddress("localhost:1")).build());
    await().atMost(WAIT).until(() -> !ended.isEmpty());
    assertThat(ended.get(0).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(ended.get(0).getDescription()).contains("the hello names '" + primary + "' but the caller's certificate is '"
        + backup + "'");
    await().atMost(WAIT).until(() -> !stack.management().logLines(" 00-05073 ").isEmpty());
    assertThat(stack.management().logLines(" 00-05073 ")).anySatisfy(line ->
        assertThat(line).contains("identity=" + backup, "address=127.0.0.1:", "call=Supervise"));

    PairStatus after = stack.pair();
    assertThat(after.getEpoch()).isEqualTo(before.getEpoch());
    assertThat(after.getMembersList()).extracting(MemberStatus::getApplication, MemberStatus::getInstanceId,
        MemberStatus::getMode, MemberStatus::getConnected).containsExactlyInAnyOrderElementsOf(
        before.getMembersList().stream().map(m -> tuple(m.getApplication(),
            m.getInstanceId(), m.getMode(), m.getConnected())).toList());
    assertThat(stack.logged(primary, "02-10099")).as("the primary's own stream never broke").isEmpty();
  }

  @Test
  void theClientIdentityMayNotMaintainWriteOrSwitchOverAndNothingChanges() {
    var config = ConfigServiceGrpc.newBlockingStub(as(AccessRule.CLIENT, stack.configPort));
    var management = ManagementServiceGrpc.newBlockingStub(as(AccessRule.CLIENT, stack.managementPort));
    var operatorView = ConfigServiceGrpc.newBlockingStub(stack.config().channel());
    long head = operatorView.getHistoryInfo(GetHistoryInfoRequest.getDefaultInstance()).getHeadEventId();
    PairStatus pair = stack.pair();
    long reloadsA = stack.info(PairStack.A).getReloadCount();
    long reloadsB = stack.info(PairStack.B).getReloadCount();

    assertRefused(Status.Code.PERMISSION_DENIED, "'client' may not call tandem.config.v1.ConfigService/ExpireHistory"
        + " (allowed: operator)", () -> config.expireHistory(ExpireHistoryRequest.getDefaultInstance()));
    assertRefused(Status.Code.PERMISSION_DENIED, "ConfigService/ApplyObjects", () -> config.applyObjects(
        ApplyObjectsRequest.newBuilder().addObjects(ConfigObject.newBuilder().setType(ObjectType.AGENT).setName("mole"))
            .build()));
    assertRefused(Status.Code.PERMISSION_DENIED, "ConfigService/SetOption", () -> config.setOption(SetOptionRequest
        .newBuilder().setApplication(PairStack.A).setSection("statserver").setKey("backup-check-interval").setValue("1")
        .build()));
    assertRefused(Status.Code.PERMISSION_DENIED, "ConfigService/DropSessions",
        () -> config.dropSessions(DropSessionsRequest.getDefaultInstance()));
    assertRefused(Status.Code.PERMISSION_DENIED, "'client' may not call tandem.management.v1.ManagementService/Switchover",
        () -> management.switchover(SwitchoverRequest.newBuilder().setApplication(PairStack.A).build()));
    assertRefused(Status.Code.PERMISSION_DENIED, "ManagementService/GetPairs",
        () -> management.getPairs(GetPairsRequest.getDefaultInstance()));

    assertThat(operatorView.getHistoryInfo(GetHistoryInfoRequest.getDefaultInstance()).getHeadEventId()).isEqualTo(head);
    assertThat(stack.pair().getEpoch()).isEqualTo(pair.getEpoch());
    assertThat(stack.primary()).isEqualTo(pair.getMembersList().stream()
        .filter(m -> m.getMode() == Mode.PRIMARY).findFirst().orElseThrow().getApplication());
    assertThat(stack.info(PairStack.A).getReloadCount()).isEqualTo(reloadsA);
    assertThat(stack.info(PairStack.B).getReloadCount()).isEqualTo(reloadsB);
  }

  @Test
  void aCommandTheFirstManagementLayerRefusesSaysWhyRatherThanAskingTheNext() throws Exception {
    stack.stack.security(AccessRule.CLIENT);
    TlsFiles client = TlsFiles.inDirectory(stack.stack.pkiDirectory(), AccessRule.CLIENT);
    int nobody = io.tandem.common.process.FreePorts.next();
    Cli.Result refused = Cli.run(dir, java.util.Map.of("TANDEM_TLS_DIR", stack.stack.pkiDirectory().toString()),
        "switchover", PairStack.A, "--management", "localhost:" + stack.managementPort + ",localhost:" + nobody,
        "--tls-cert", client.certificate().toString(), "--tls-key", client.key().toString());
    assertThat(refused.exitCode()).as(refused.output()).isEqualTo(1);
    assertThat(refused.output()).contains("'client' may not call").doesNotContain("localhost:" + nobody);
  }

  @Test
  void aStatisticIsClosedAndReadByIdOnlyByTheIdentityThatOpenedIt() {
    int port = stack.statPorts.get(stack.primary());
    List<StatisticValue> values = new CopyOnWriteArrayList<>();
    List<Status> ended = new CopyOnWriteArrayList<>();
    StatServiceGrpc.newStub(as(AccessRule.CLIENT, port)).openStatistic(OpenStatisticRequest.newBuilder()
        .setObject(StatObject.newBuilder().setType(ObjectType.AGENT_GROUP).setName("group0001"))
        .setStatistic(StatisticType.CURRENT_READY_AGENTS).build(), new StreamObserver<>() {
          @Override
          public void onNext(StatisticValue value) {
            values.add(value);
          }

          @Override
          public void onError(Throwable t) {
            ended.add(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            ended.add(Status.OK);
          }
        });
    await().atMost(WAIT).until(() -> !values.isEmpty());
    String id = values.get(0).getStatisticId();
    assertThat(id).matches("S-[0-9a-f]{32}");

    var stranger = StatServiceGrpc.newBlockingStub(as(AccessRule.OPERATOR, port));
    assertRefused(Status.Code.NOT_FOUND, "no open statistic '" + id + "' of yours",
        () -> stranger.closeStatistic(CloseStatisticRequest.newBuilder().setStatisticId(id).build()));
    assertRefused(Status.Code.NOT_FOUND, "no open statistic '" + id + "' of yours",
        () -> stranger.getStatistic(GetStatisticRequest.newBuilder().setStatisticId(id).build()));
    assertThat(ended).as("the owner's stream is untouched").isEmpty();

    var owner = StatServiceGrpc.newBlockingStub(as(AccessRule.CLIENT, port));
    assertThat(owner.getStatistic(GetStatisticRequest.newBuilder().setStatisticId(id).build()).getStatisticId()).isEqualTo(id);
    owner.closeStatistic(CloseStatisticRequest.newBuilder().setStatisticId(id).build());
    await().atMost(WAIT).until(() -> !ended.isEmpty());
    assertThat(values.get(values.size() - 1).getClosedReason()).isEqualTo("closed by client");
  }

  @Test
  void namesThatWouldForgeLogLinesAreRefusedAndValuesAreQuoted() {
    var config = ConfigServiceGrpc.newBlockingStub(stack.config().channel());
    long head = config.getHistoryInfo(GetHistoryInfoRequest.getDefaultInstance()).getHeadEventId();
    String forged = "x\nStd 02-10093 Backup ready to accept clients";
    assertRefused(Status.Code.INVALID_ARGUMENT, "objects[0].name: contains the control character U+000A at position 1",
        () -> config.applyObjects(ApplyObjectsRequest.newBuilder()
            .addObjects(ConfigObject.newBuilder().setType(ObjectType.AGENT).setName(forged)).build()));
    assertThat(config.getHistoryInfo(GetHistoryInfoRequest.getDefaultInstance()).getHeadEventId()).isEqualTo(head);

    String primary = stack.primary();
    var stat = StatServiceGrpc.newBlockingStub(as(AccessRule.CLIENT, stack.statPorts.get(primary)));
    assertRefused(Status.Code.INVALID_ARGUMENT, "spec.object.name: contains the control character U+000A",
        () -> stat.getStatistic(GetStatisticRequest.newBuilder().setSpec(StatisticSpec.newBuilder()
            .setObject(StatObject.newBuilder().setType(ObjectType.AGENT).setName(forged))
            .setStatistic(StatisticType.CURRENT_AGENT_STATE)).build()));
    assertRefused(Status.Code.NOT_FOUND, "no Agent", () -> stat.getStatistic(GetStatisticRequest.newBuilder()
        .setSpec(StatisticSpec.newBuilder().setObject(StatObject.newBuilder().setType(ObjectType.AGENT)
            .setName("ghost, reason=forged")).setStatistic(StatisticType.CURRENT_AGENT_STATE)).build()));
    await().atMost(WAIT).until(() -> !stack.logged(primary, "02-10101").isEmpty());
    assertThat(stack.logged(primary, "02-10101")).last().asString()
        .contains("object=\"Agent 'ghost, reason=forged'\"");
    assertThat(stack.stat(primary).logLines("Std 02-10093 Backup ready to accept clients"))
        .noneMatch(line -> line.startsWith("Std 02-10093"));
  }
}
